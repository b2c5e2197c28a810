namespace AgroNT.Transforms.Benchmarks;

/// <summary>One labelled sequence of a task file (a Plant Genomic Benchmark split or your own, in the same FASTA layout).</summary>
/// <param name="Name">The header text before the first <c>|</c>.</param>
/// <param name="Sequence">The DNA as written in the file (lines joined).</param>
/// <param name="Labels">
/// The labels in header order, validated against the task: one for binary (0 or 1) and regression tasks, K for
/// multi-label (each 0 or 1) and multi-output tasks.
/// </param>
/// <param name="LineNumber">The 1-based line of the record's header, for messages.</param>
public sealed record TaskExample(string Name, string Sequence, float[] Labels, long LineNumber);

/// <summary>The splits of one task, as <see cref="PlantGenomicBenchmark.LoadSplits"/> returns them.</summary>
/// <param name="Task">The task.</param>
/// <param name="Train">The training split.</param>
/// <param name="Validation">The validation split, or <see langword="null"/> when the task ships none.</param>
/// <param name="Test">The test split.</param>
public sealed record BenchmarkDataSet(BenchmarkTask Task, BenchmarkDataView Train, BenchmarkDataView? Validation, BenchmarkDataView Test);

/// <summary>The column names of a <see cref="BenchmarkDataView"/>.</summary>
public static class BenchmarkColumns
{
    /// <summary>The record name (text).</summary>
    public const string Name = "Name";

    /// <summary>The DNA (text).</summary>
    public const string Sequence = "Sequence";

    /// <summary>The single label: Boolean for binary classification, Single for regression.</summary>
    public const string Label = "Label";

    /// <summary>The label vector (Single, known size) of multi-label and multi-output tasks.</summary>
    public const string Labels = "Labels";
}
