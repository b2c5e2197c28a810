using AgroNT.Transforms.Benchmarks;
using AgroNT.Transforms.Sequences;
using Microsoft.ML;

namespace AgroNT.Transforms;

/// <summary>
/// Sequence-file loaders on <c>mlContext.Data</c>, the DNA counterparts of <c>LoadFromTextFile</c>: every view
/// streams its file, one record at a time, each time a cursor is opened.
/// </summary>
public static class SequenceDataCatalog
{
    /// <summary>
    /// Loads a FASTA, FASTQ or one-sequence-per-line <c>.txt</c> file (optionally <c>.gz</c>) as a view with the text
    /// columns <c>Name</c> and <c>Sequence</c>; the format is told from the extension.
    /// </summary>
    /// <param name="catalog">The data catalog.</param>
    /// <param name="path">The sequence file.</param>
    /// <returns>The streaming view.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="ArgumentException">The extension is not a known sequence format; use the overload that takes one.</exception>
    /// <example><code>
    /// IDataView dna = mlContext.Data.LoadFromFasta("genes.fa.gz");
    /// IDataView features = mlContext.Transforms.FeaturizeAgroNT("Features", "Sequence", modelFolder).Fit(dna).Transform(dna);
    /// </code></example>
    public static SequenceDataView LoadFromFasta(this DataOperationsCatalog catalog, string path)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return SequenceDataView.Open(path);
    }

    /// <summary>Loads a sequence file in a given layout, whatever its name, as a view with <c>Name</c> and <c>Sequence</c>.</summary>
    /// <param name="catalog">The data catalog.</param>
    /// <param name="path">The sequence file (optionally gzip-compressed).</param>
    /// <param name="format">How the file is laid out.</param>
    /// <returns>The streaming view.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public static SequenceDataView LoadFromFasta(this DataOperationsCatalog catalog, string path, SequenceFileFormat format)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return SequenceDataView.Open(path, format);
    }

    /// <summary>
    /// Loads a FASTA file with Plant Genomic Benchmark headers (<c>&gt;NAME|LABEL</c> or <c>&gt;NAME|l1|...|lK</c>) as a
    /// view with <c>Name</c>, <c>Sequence</c> and <c>Label</c> (Boolean for binary classification, Single for
    /// regression) or <c>Labels</c> (a Single vector for multi-label and multi-output tasks).
    /// </summary>
    /// <param name="catalog">The data catalog.</param>
    /// <param name="path">The FASTA file (optionally gzip-compressed).</param>
    /// <param name="problemType">What the labels mean.</param>
    /// <param name="labelCount">Labels per record, or <see langword="null"/> to take it from the first record.</param>
    /// <returns>The streaming view (see <see cref="BenchmarkDataView"/> for the validation it does).</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="SequenceFormatException">While reading: a header without labels, a wrong label count, a class label other than 0/1.</exception>
    /// <example><code>
    /// IDataView train = mlContext.Data.LoadFromBenchmarkFasta("train.fa", ProblemType.BinaryClassification);
    /// </code></example>
    public static BenchmarkDataView LoadFromBenchmarkFasta(this DataOperationsCatalog catalog, string path, ProblemType problemType, int? labelCount = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return BenchmarkDataView.Open(path, problemType, labelCount);
    }
}
