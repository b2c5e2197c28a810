using System.Globalization;

namespace AgroNT.Fuzz;

/// <summary>The command line: which targets, how many inputs, which seed, how long.</summary>
internal sealed record FuzzOptions
{
    public const string Usage =
        "usage: dotnet run -c Release --project tests/AgroNT.Fuzz -- --target tokenizer|readers|vcf|checkpoints|all " +
        "[--iterations N] [--seed S] [--time-limit SECONDS] [--replay ITERATION] [--failures DIR] [--quiet]";

    public IReadOnlyList<string> Targets { get; init; } = [];

    /// <summary>Inputs per target (the time limit may stop a target earlier).</summary>
    public long Iterations { get; init; } = 10_000;

    public int Seed { get; init; } = 1;

    /// <summary>Seconds for the whole run, each target getting an equal share of the time left; null for no limit.</summary>
    public double? TimeLimitSeconds { get; init; }

    /// <summary>Run only this iteration of the target (to reproduce a failure) and print the whole exception.</summary>
    public long? Replay { get; init; }

    /// <summary>Where failing inputs go.</summary>
    public string FailureFolder { get; init; } = "fuzz-failures";

    public bool Quiet { get; init; }

    public static FuzzOptions Parse(string[] args)
    {
        var options = new FuzzOptions();
        var targets = new List<string>();
        for (int i = 0; i < args.Length; i++)
        {
            string flag = args[i];
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{flag} needs a value.");
            switch (flag)
            {
                case "--target":
                    foreach (string t in Value().Split(',', StringSplitOptions.RemoveEmptyEntries))
                    {
                        targets.AddRange(t == "all" ? TargetNames.All : [TargetNames.Check(t)]);
                    }
                    break;
                case "--iterations":
                    options = options with { Iterations = ParseLong(flag, Value(), 1) };
                    break;
                case "--seed":
                    options = options with { Seed = (int)ParseLong(flag, Value(), int.MinValue, int.MaxValue) };
                    break;
                case "--time-limit":
                    string seconds = Value();
                    options = options with
                    {
                        TimeLimitSeconds = double.TryParse(seconds, NumberStyles.Float, CultureInfo.InvariantCulture, out double s) && s > 0
                            ? s
                            : throw new ArgumentException($"--time-limit takes a positive number of seconds, not '{seconds}'."),
                    };
                    break;
                case "--replay":
                    options = options with { Replay = ParseLong(flag, Value(), 0) };
                    break;
                case "--failures":
                    options = options with { FailureFolder = Value() };
                    break;
                case "--quiet":
                    options = options with { Quiet = true };
                    break;
                default:
                    throw new ArgumentException($"Unknown argument '{flag}'.");
            }
        }
        if (targets.Count == 0)
        {
            throw new ArgumentException("--target is required.");
        }
        if (options.Replay is not null && targets.Distinct().Count() != 1)
        {
            throw new ArgumentException("--replay needs exactly one --target (the one the repro line names).");
        }
        return options with { Targets = targets.Distinct().ToList() };
    }

    private static long ParseLong(string flag, string text, long min, long max = long.MaxValue) =>
        long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out long value) && value >= min && value <= max
            ? value
            : throw new ArgumentException($"{flag} takes an integer from {min} to {max}, not '{text}'.");
}

/// <summary>The targets' command-line names.</summary>
internal static class TargetNames
{
    public const string Tokenizer = "tokenizer";
    public const string Readers = "readers";
    public const string Vcf = "vcf";
    public const string Checkpoints = "checkpoints";

    public static readonly string[] All = [Tokenizer, Readers, Vcf, Checkpoints];

    public static string Check(string name) =>
        All.Contains(name) ? name : throw new ArgumentException($"Unknown target '{name}'; the targets are {string.Join(", ", All)} and all.");
}
