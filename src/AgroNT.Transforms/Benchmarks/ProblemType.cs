namespace AgroNT.Transforms.Benchmarks;

/// <summary>What a task predicts (any labelled-sequence task, the Plant Genomic Benchmark's included), which decides its label column, head, loss and metrics.</summary>
public enum ProblemType
{
    /// <summary>One 0/1 label per sequence (<c>name|0</c> or <c>name|1</c>): a Boolean <c>Label</c> column, scored by AUROC.</summary>
    BinaryClassification,

    /// <summary>K independent 0/1 labels per sequence (<c>name|l1|...|lK</c>): a float vector <c>Labels</c> column, AUROC per label.</summary>
    MultiLabelClassification,

    /// <summary>One real value per sequence (<c>name|0.37</c>): a float <c>Label</c> column, scored by R2.</summary>
    Regression,

    /// <summary>K real values per sequence (<c>name|v1|...|vK</c>): a float vector <c>Labels</c> column, R2 per output.</summary>
    MultiOutputRegression,
}

/// <summary>The files of a task: the Plant Genomic Benchmark ships train and test for every task, validation for some.</summary>
public enum BenchmarkSplit
{
    /// <summary>The training file, <c>&lt;config&gt;_train.fa</c>.</summary>
    Train,

    /// <summary>The validation file, <c>&lt;config&gt;_validation.fa</c> (only promoter_strength, terminator_strength, gene_exp, chromatin_access and pro_seq have one).</summary>
    Validation,

    /// <summary>The test file, <c>&lt;config&gt;_test.fa</c>.</summary>
    Test,
}

/// <summary>The headline metric a task is judged by.</summary>
public enum BenchmarkMetric
{
    /// <summary>Area under the ROC curve: of the one label (binary) or of each label, then averaged (multi-label).</summary>
    Auroc,

    /// <summary>Coefficient of determination: of the one output (regression) or of each output, then averaged (multi-output).</summary>
    R2,
}

/// <summary>Extension methods on the benchmark enumerations.</summary>
public static class BenchmarkEnumExtensions
{
    /// <summary>Whether the task has one label (<c>Label</c> column) rather than a vector of them (<c>Labels</c> column).</summary>
    /// <param name="problemType">The problem type.</param>
    /// <returns><see langword="true"/> for binary classification and regression.</returns>
    public static bool IsSingleOutput(this ProblemType problemType) =>
        problemType is ProblemType.BinaryClassification or ProblemType.Regression;

    /// <summary>Whether the labels are 0/1 classes rather than real values.</summary>
    /// <param name="problemType">The problem type.</param>
    /// <returns><see langword="true"/> for binary and multi-label classification.</returns>
    public static bool IsClassification(this ProblemType problemType) =>
        problemType is ProblemType.BinaryClassification or ProblemType.MultiLabelClassification;

    /// <summary>The name of a split as it appears in Hub file names: <c>train</c>, <c>validation</c>, <c>test</c>.</summary>
    /// <param name="split">The split.</param>
    /// <returns>The lower-case file-name part.</returns>
    public static string FileNamePart(this BenchmarkSplit split) => split switch
    {
        BenchmarkSplit.Train => "train",
        BenchmarkSplit.Validation => "validation",
        BenchmarkSplit.Test => "test",
        _ => throw new ArgumentOutOfRangeException(nameof(split), split, "Unknown split."),
    };
}
