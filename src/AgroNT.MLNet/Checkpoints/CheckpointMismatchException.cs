using System.Text;

namespace AgroNT.MLNet.Checkpoints;

/// <summary>
/// The checkpoint and the model disagree: keys the model needs that the checkpoint lacks, keys the checkpoint has that
/// the model does not, and tensors whose shapes differ. Thrown once, listing all of them, before any tensor is copied,
/// so the model is left untouched.
/// </summary>
public sealed class CheckpointMismatchException : Exception
{
    /// <summary>How many names of each kind the message lists before summarising the rest.</summary>
    public const int ListedPerKind = 20;

    /// <summary>Creates the exception; the message lists counts and the first <see cref="ListedPerKind"/> of each kind.</summary>
    /// <param name="source">The checkpoint file or folder.</param>
    /// <param name="missingKeys">Model keys absent from the checkpoint.</param>
    /// <param name="unexpectedKeys">Checkpoint keys the model does not have.</param>
    /// <param name="shapeMismatches">Keys in both, with different shapes.</param>
    public CheckpointMismatchException(
        string source,
        IReadOnlyList<string> missingKeys,
        IReadOnlyList<string> unexpectedKeys,
        IReadOnlyList<CheckpointShapeMismatch> shapeMismatches)
        : base(BuildMessage(source, missingKeys, unexpectedKeys, shapeMismatches))
    {
        CheckpointPath = source;
        MissingKeys = missingKeys;
        UnexpectedKeys = unexpectedKeys;
        ShapeMismatches = shapeMismatches;
    }

    /// <summary>The checkpoint file or folder that was compared with the model.</summary>
    public string CheckpointPath { get; }

    /// <summary>Model keys absent from the checkpoint.</summary>
    public IReadOnlyList<string> MissingKeys { get; }

    /// <summary>Checkpoint keys the model does not have (after the ignore patterns).</summary>
    public IReadOnlyList<string> UnexpectedKeys { get; }

    /// <summary>Keys in both whose shapes differ.</summary>
    public IReadOnlyList<CheckpointShapeMismatch> ShapeMismatches { get; }

    private static string BuildMessage(
        string source,
        IReadOnlyList<string> missing,
        IReadOnlyList<string> unexpected,
        IReadOnlyList<CheckpointShapeMismatch> misShaped)
    {
        var text = new StringBuilder();
        text.Append($"The checkpoint {source} does not fit the model: {missing.Count} missing, ")
            .Append($"{unexpected.Count} unexpected, {misShaped.Count} mis-shaped tensor(s). Nothing was loaded.");
        AppendList(text, "Missing from the checkpoint", missing.Select(k => k).ToList());
        AppendList(text, "Not in the model (unexpected)", unexpected.Select(k => k).ToList());
        AppendList(text, "Shapes differ", misShaped.Select(m => m.ToString()).ToList());
        text.AppendLine().Append(
            "A different size of model (compare config.json with the checkpoint) is the usual cause. Keys a model does " +
            "not use can be skipped with CheckpointLoadOptions.IgnoredUnexpectedKeys / IgnoredMissingKeys.");
        return text.ToString();
    }

    private static void AppendList(StringBuilder text, string title, List<string> lines)
    {
        if (lines.Count == 0)
        {
            return;
        }
        text.AppendLine().Append($"{title} ({lines.Count}):");
        foreach (string line in lines.Take(ListedPerKind))
        {
            text.AppendLine().Append("  ").Append(line);
        }
        if (lines.Count > ListedPerKind)
        {
            text.AppendLine().Append($"  ... and {lines.Count - ListedPerKind} more");
        }
    }
}
