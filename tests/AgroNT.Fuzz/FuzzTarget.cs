namespace AgroNT.Fuzz;

/// <summary>
/// One fuzz target: turns a seeded random source into an input, runs the code under test on it and checks its
/// invariants. Exceptions the API documents are caught inside <see cref="Run"/> and counted as outcomes; anything that
/// escapes (an undocumented exception, or an <see cref="InvariantViolation"/>) is a failure.
/// </summary>
internal abstract class FuzzTarget
{
    public abstract string Name { get; }

    /// <summary>Generates the input for one iteration from <paramref name="random"/> (nothing else may vary it).</summary>
    public abstract FuzzCase Generate(Random random);

    /// <summary>Runs the input and checks the invariants; returns the outcome to count (e.g. "ok", "SequenceFormatException").</summary>
    public abstract string Run(FuzzCase input);
}

/// <summary>One generated input: files to save when it fails, and a one-line description.</summary>
internal abstract class FuzzCase
{
    /// <summary>Names and contents of the files that reproduce the input outside the harness.</summary>
    public abstract IEnumerable<(string FileName, byte[] Content)> Artifacts();

    /// <summary>A short human description (options, sizes, mutations).</summary>
    public abstract string Describe();
}

/// <summary>An invariant the code under test broke: a wrong result rather than an exception.</summary>
internal sealed class InvariantViolation(string message) : Exception(message)
{
    public static void Check(bool condition, string message)
    {
        if (!condition)
        {
            throw new InvariantViolation(message);
        }
    }

    public static void Equal<T>(IReadOnlyList<T> expected, IReadOnlyList<T> actual, string what)
    {
        if (expected.Count != actual.Count)
        {
            throw new InvariantViolation($"{what}: {actual.Count} items where {expected.Count} were expected{FirstDifference(expected, actual)}.");
        }
        for (int i = 0; i < expected.Count; i++)
        {
            if (!EqualityComparer<T>.Default.Equals(expected[i], actual[i]))
            {
                throw new InvariantViolation($"{what}: item {i} is {actual[i]}, expected {expected[i]}.");
            }
        }
    }

    private static string FirstDifference<T>(IReadOnlyList<T> expected, IReadOnlyList<T> actual)
    {
        int n = Math.Min(expected.Count, actual.Count);
        for (int i = 0; i < n; i++)
        {
            if (!EqualityComparer<T>.Default.Equals(expected[i], actual[i]))
            {
                return $" (first difference at {i}: {actual[i]} vs {expected[i]})";
            }
        }
        return string.Empty;
    }
}
