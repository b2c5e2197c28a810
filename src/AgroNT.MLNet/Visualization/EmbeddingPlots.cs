using System.Globalization;
using AgroNT.MLNet.DataFrames;
using AgroNT.MLNet.EmbeddingFiles;
using AgroNT.Transforms.Sequences;
using Microsoft.Data.Analysis;

namespace AgroNT.MLNet.Visualization;

/// <summary>How <see cref="EmbeddingPlots.SavePca"/> draws an embedding file.</summary>
public sealed record EmbeddingPcaPlotOptions
{
    /// <summary>The chart title. Default: <c>PCA of</c> the file name.</summary>
    public string? Title { get; init; }

    /// <summary>A label per record id, for one colour and legend entry per label; <see langword="null"/> draws every point in one colour.</summary>
    /// <remarks>An id such as <c>chr1:1-400|1</c> (a labelled FASTA header kept whole by <c>agront embed</c>) also matches the key before its first <c>|</c>.</remarks>
    public IReadOnlyDictionary<string, string>? Labels { get; init; }

    /// <summary>What the labels are, shown before each legend entry (for example <c>label</c> or a column name). Default <c>label</c>.</summary>
    public string LabelName { get; init; } = "label";

    /// <summary>Image width in pixels. Default 800.</summary>
    public int Width { get; init; } = 800;

    /// <summary>Image height in pixels. Default 600.</summary>
    public int Height { get; init; } = 600;

    /// <summary>The most distinct labels drawn (each needs its own colour). Default 20, the palette's length.</summary>
    public const int MaxLabels = 20;
}

/// <summary>What <see cref="EmbeddingPlots.SavePca"/> drew.</summary>
/// <param name="Rows">Points drawn (one per embedding).</param>
/// <param name="ExplainedVarianceRatio">The share of variance of PC1 and PC2.</param>
/// <param name="Groups">Legend entries with their point counts and colours (<c>0xRRGGBB</c>), in legend order.</param>
/// <param name="Unlabelled">Points whose id had no label (drawn grey as <c>no label</c>).</param>
public sealed record EmbeddingPcaPlot(int Rows, IReadOnlyList<double> ExplainedVarianceRatio, IReadOnlyList<(string Label, int Count, int Color)> Groups, int Unlabelled);

/// <summary>
/// Pictures of embedding files: a 2-D principal-component projection, coloured by a label per record, with the share of
/// variance each axis explains in its title.
/// </summary>
public static class EmbeddingPlots
{
    /// <summary>The colours given to labels in order (Tableau 20, strong shades first), as <c>0xRRGGBB</c>.</summary>
    public static IReadOnlyList<int> Palette { get; } =
    [
        0x1F77B4, 0xFF7F0E, 0x2CA02C, 0xD62728, 0x9467BD, 0x8C564B, 0xE377C2, 0x17BECF, 0xBCBD22, 0x393B79,
        0xAEC7E8, 0xFFBB78, 0x98DF8A, 0xFF9896, 0xC5B0D5, 0xC49C94, 0xF7B6D2, 0x9EDAE5, 0xDBDB8D, 0x637939,
    ];

    /// <summary>The colour of points whose id has no label (grey, <c>0x7F7F7F</c>).</summary>
    public const int UnlabelledColor = 0x7F7F7F;

    /// <summary>
    /// Reads an embedding file (<c>.parquet</c>, <c>.csv</c>, <c>.jsonl</c>, <c>.npy</c>), projects it on its first two
    /// principal components and writes a scatter PNG, one colour per label.
    /// </summary>
    /// <param name="embeddingsPath">The embedding file (<see cref="EmbeddingFileReader"/>).</param>
    /// <param name="pngPath">The PNG to write (to a temporary name, then renamed).</param>
    /// <param name="options">Title, labels and size; defaults when null.</param>
    /// <returns>What was drawn.</returns>
    /// <exception cref="ArgumentException">Fewer than two embeddings, labels matching none of the ids, or more than <see cref="EmbeddingPcaPlotOptions.MaxLabels"/> labels.</exception>
    public static EmbeddingPcaPlot SavePca(string embeddingsPath, string pngPath, EmbeddingPcaPlotOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(embeddingsPath);
        ArgumentException.ThrowIfNullOrWhiteSpace(pngPath);
        options ??= new EmbeddingPcaPlotOptions();
        var rows = EmbeddingFileReader.Read(embeddingsPath).ToList();
        if (rows.Count < 2)
        {
            throw new ArgumentException($"{embeddingsPath} holds {rows.Count} embedding(s); a PCA plot needs at least two.", nameof(embeddingsPath));
        }
        var pca = PrincipalComponents.Fit([.. rows.Select(r => r.Embedding)], 2);
        double[][] points = pca.Transform(rows.Select(r => r.Embedding));

        string?[] labels = [.. rows.Select(r => options.Labels is null ? null : LabelOf(options.Labels, r.Id))];
        if (options.Labels is not null && labels.All(l => l is null))
        {
            throw new ArgumentException(
                $"None of the {rows.Count} ids of {embeddingsPath} (the first is '{rows[0].Id}') has a label; "
                + $"the labels are keyed by record names such as '{options.Labels.Keys.FirstOrDefault()}'. Embed the labelled file itself, or match the names.",
                nameof(options));
        }
        var distinct = labels.OfType<string>().Distinct(StringComparer.Ordinal).OrderBy(l => l, LabelOrder.Instance).ToList();
        if (distinct.Count > EmbeddingPcaPlotOptions.MaxLabels)
        {
            throw new ArgumentException(
                $"The labels take {distinct.Count} distinct values; a PCA legend shows at most {EmbeddingPcaPlotOptions.MaxLabels}. Colour by a column with fewer values.",
                nameof(options));
        }
        var groups = new List<ScatterGroup>();
        var summary = new List<(string, int, int)>();
        for (int g = 0; g < distinct.Count; g++)
        {
            int[] members = [.. Enumerable.Range(0, rows.Count).Where(i => labels[i] == distinct[g])];
            string text = $"{options.LabelName} {distinct[g]} ({members.Length})";
            groups.Add(new ScatterGroup(text, [.. members.Select(i => points[i][0])], [.. members.Select(i => points[i][1])]) { Color = Palette[g] });
            summary.Add((distinct[g], members.Length, Palette[g]));
        }
        int[] unlabelled = [.. Enumerable.Range(0, rows.Count).Where(i => labels[i] is null)];
        if (unlabelled.Length > 0)
        {
            string text = options.Labels is null ? $"{rows.Count} sequences" : $"no {options.LabelName} ({unlabelled.Length})";
            groups.Add(new ScatterGroup(text, [.. unlabelled.Select(i => points[i][0])], [.. unlabelled.Select(i => points[i][1])])
            {
                Color = options.Labels is null ? Palette[0] : UnlabelledColor,
            });
        }
        string title = options.Title ?? $"PCA of {Path.GetFileName(embeddingsPath)} ({rows.Count} embeddings, {rows[0].Embedding.Length} dimensions)";
        Plots.SaveScatterChart(pngPath, new ScatterPlot(title, AxisTitle(1, pca.ExplainedVarianceRatio[0]), AxisTitle(2, pca.ExplainedVarianceRatio[1]), groups)
        {
            Width = options.Width,
            Height = options.Height,
            ShowLegend = true,
        });
        return new EmbeddingPcaPlot(rows.Count, [.. pca.ExplainedVarianceRatio], summary, options.Labels is null ? 0 : unlabelled.Length);
    }

    /// <summary>
    /// The labels of a labelled FASTA file (<c>&gt;NAME|LABEL</c>, or <c>&gt;NAME|l1|...|lK</c>, whose labels are joined
    /// with <c>|</c>), keyed by record name.
    /// </summary>
    /// <param name="path">The FASTA file (optionally gzip-compressed).</param>
    /// <returns>Name to label text.</returns>
    /// <exception cref="SequenceFormatException">A header without labels, naming the file and line.</exception>
    public static IReadOnlyDictionary<string, string> ReadFastaLabels(string path)
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var record in SequenceReader.ReadFile(path, SequenceFileFormat.Fasta))
        {
            string header = record.Description.Length == 0 ? record.Name : $"{record.Name} {record.Description}";
            if (!BenchmarkHeader.TryParse(header, out var label))
            {
                throw new SequenceFormatException(path, record.LineNumber, $"the header '{header}' has no '|label' part; a labels file has headers '>name|label'.");
            }
            labels[label.Name] = string.Join('|', label.Labels.Select(v => v.ToString(CultureInfo.InvariantCulture)));
        }
        return labels;
    }

    /// <summary>The values of one column of a table (<c>.csv</c> or <c>.parquet</c>), keyed by the table's first column (the record id).</summary>
    /// <param name="path">The table.</param>
    /// <param name="column">The column to colour by.</param>
    /// <returns>Id to value text (missing values are left out).</returns>
    /// <exception cref="ArgumentException">The column is not in the table; the message lists the columns.</exception>
    public static IReadOnlyDictionary<string, string> ReadTableLabels(string path, string column)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(column);
        DataFrame frame = DataFrameFiles.Load(path);
        string[] names = [.. frame.Columns.Select(c => c.Name)];
        if (!names.Contains(column, StringComparer.Ordinal) || names[0] == column)
        {
            throw new ArgumentException($"{path} has no column '{column}' besides its id column '{names.FirstOrDefault()}'; its columns are {string.Join(", ", names)}.", nameof(column));
        }
        var ids = frame.Columns[0];
        var values = frame.Columns[column];
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        for (long i = 0; i < frame.Rows.Count; i++)
        {
            if (ids[i] is { } id && values[i] is { } value)
            {
                labels[Convert.ToString(id, CultureInfo.InvariantCulture)!] = Convert.ToString(value, CultureInfo.InvariantCulture)!;
            }
        }
        return labels;
    }

    private static string? LabelOf(IReadOnlyDictionary<string, string> labels, string id)
    {
        if (labels.TryGetValue(id, out string? label))
        {
            return label;
        }
        int bar = id.IndexOf('|', StringComparison.Ordinal);
        return bar > 0 && labels.TryGetValue(id[..bar], out label) ? label : null;
    }

    private static string AxisTitle(int component, double ratio) =>
        string.Create(CultureInfo.InvariantCulture, $"PC{component} ({100 * ratio:0.0}% of variance)");

    /// <summary>Numbers in numeric order, then text in ordinal order.</summary>
    private sealed class LabelOrder : IComparer<string>
    {
        public static readonly LabelOrder Instance = new();

        public int Compare(string? x, string? y)
        {
            bool xNumber = double.TryParse(x, NumberStyles.Float, CultureInfo.InvariantCulture, out double a);
            bool yNumber = double.TryParse(y, NumberStyles.Float, CultureInfo.InvariantCulture, out double b);
            return (xNumber, yNumber) switch
            {
                (true, true) => a.CompareTo(b),
                (true, false) => -1,
                (false, true) => 1,
                _ => string.CompareOrdinal(x, y),
            };
        }
    }
}
