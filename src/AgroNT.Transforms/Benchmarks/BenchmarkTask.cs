namespace AgroNT.Transforms.Benchmarks;

/// <summary>
/// One benchmark task configuration: a task family (such as <c>chromatin_access</c>) and one of its configs (such as
/// <c>zea_mays</c>), with what it predicts and how it is scored. <see cref="PlantGenomicBenchmark.Tasks"/> holds every
/// Plant Genomic Benchmark config; create your own to load a dataset of your own in the same FASTA layout.
/// </summary>
public sealed record BenchmarkTask
{
    /// <summary>The task family, the folder of its files in the Hub layout (<c>poly_a</c>, <c>chromatin_access</c>, ...).</summary>
    public required string Family { get; init; }

    /// <summary>The config, the prefix of its files (<c>&lt;config&gt;_train.fa</c>), spelled as on the Hub.</summary>
    public required string Config { get; init; }

    /// <summary>What the task predicts.</summary>
    public required ProblemType ProblemType { get; init; }

    /// <summary>Labels per sequence: 1 for binary classification and regression, K for multi-label and multi-output tasks.</summary>
    public required int OutputCount { get; init; }

    /// <summary>
    /// Whether <see cref="OutputCount"/> is confirmed from a public source. When it is not, the loader takes the count
    /// from the file's first record (and still requires every record to agree).
    /// </summary>
    public bool OutputCountConfirmed { get; init; } = true;

    /// <summary>The shortest sequence in the task, in base pairs (as documented, not checked by the loader).</summary>
    public required int MinLength { get; init; }

    /// <summary>The longest sequence in the task, in base pairs (as documented, not checked by the loader).</summary>
    public required int MaxLength { get; init; }

    /// <summary>The splits the task ships, in order.</summary>
    public IReadOnlyList<BenchmarkSplit> Splits { get; init; } = [BenchmarkSplit.Train, BenchmarkSplit.Test];

    /// <summary>The headline metric: AUROC for classification, R2 for regression.</summary>
    public BenchmarkMetric Metric => ProblemType.IsClassification() ? BenchmarkMetric.Auroc : BenchmarkMetric.R2;

    /// <summary>How the paper reports the task, as recorded in the facts (for example <c>AUROC per label</c>).</summary>
    public string PaperMetric { get; init; } = string.Empty;

    /// <summary>AgroNT's published score, when the paper gives one for this config; otherwise <see langword="null"/>.</summary>
    public PaperScore? PaperScore { get; init; }

    /// <summary>The task's name, <c>family/config</c>, as <see cref="PlantGenomicBenchmark.Get(string)"/> accepts it.</summary>
    public string Id => $"{Family}/{Config}";

    /// <summary>Whether the task ships <paramref name="split"/>.</summary>
    /// <param name="split">The split.</param>
    /// <returns><see langword="true"/> when the split is in <see cref="Splits"/>.</returns>
    public bool HasSplit(BenchmarkSplit split) => Splits.Contains(split);

    /// <summary>The split's path in the Hub layout, <c>&lt;family&gt;/&lt;config&gt;_&lt;split&gt;.fa</c>, relative to the benchmark root.</summary>
    /// <param name="split">The split.</param>
    /// <returns>The relative path, with the platform's separator.</returns>
    public string RelativePath(BenchmarkSplit split) => Path.Combine(Family, $"{Config}_{split.FileNamePart()}.fa");

    /// <inheritdoc/>
    public override string ToString() => Id;
}
