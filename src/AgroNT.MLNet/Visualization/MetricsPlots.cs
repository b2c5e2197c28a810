using System.Globalization;

namespace AgroNT.MLNet.Visualization;

/// <summary>How <see cref="MetricsPlots.Save"/> draws a metrics table.</summary>
public sealed record MetricsPlotOptions
{
    /// <summary>
    /// The columns to draw, one line each; <see langword="null"/> draws every column whose name ends in <c>loss</c>
    /// (<c>train_loss</c>, <c>val_loss</c>, <c>baseline_loss</c> in <c>agront pretrain</c>'s file), or every numeric
    /// column when none does.
    /// </summary>
    public IReadOnlyList<string>? Columns { get; init; }

    /// <summary>The horizontal-axis column. Default <c>step</c>.</summary>
    public string StepColumn { get; init; } = "step";

    /// <summary>The chart title. Default: the file name.</summary>
    public string? Title { get; init; }

    /// <summary>Whether the vertical axis is logarithmic.</summary>
    public bool LogY { get; init; }

    /// <summary>Image width in pixels. Default 900.</summary>
    public int Width { get; init; } = 900;

    /// <summary>Image height in pixels. Default 540.</summary>
    public int Height { get; init; } = 540;
}

/// <summary>
/// Training curves from a metrics CSV such as the <c>metrics.csv</c> that <c>agront pretrain</c> (and
/// <see cref="Training.AgroNTPretrainer"/>) write: one line per metric against the step, empty cells skipped (validation metrics
/// are filled only on validation steps).
/// </summary>
public static class MetricsPlots
{
    private static readonly string[] s_notMetrics = ["tokens", "learning_rate", "tokens_per_second", "elapsed_seconds", "epoch"];

    /// <summary>Reads <paramref name="metricsCsvPath"/> and writes a line chart of its metrics against the step.</summary>
    /// <param name="metricsCsvPath">A CSV with a header row, a step column and numeric metric columns.</param>
    /// <param name="pngPath">The PNG to write (to a temporary name, then renamed).</param>
    /// <param name="options">Columns, title, scale and size; defaults when null.</param>
    /// <returns>The columns drawn, in legend order, with their colours (<c>0xRRGGBB</c>).</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file has no rows, or a cell that should be a number is not one (named by line and column).</exception>
    /// <exception cref="ArgumentException">A named column or the step column is missing (the message lists the columns), or a column has no values.</exception>
    public static IReadOnlyList<(string Column, int Color)> Save(string metricsCsvPath, string pngPath, MetricsPlotOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(metricsCsvPath);
        ArgumentException.ThrowIfNullOrWhiteSpace(pngPath);
        options ??= new MetricsPlotOptions();
        if (!File.Exists(metricsCsvPath))
        {
            throw new FileNotFoundException($"The metrics file '{Path.GetFullPath(metricsCsvPath)}' does not exist.", metricsCsvPath);
        }
        string[][] lines = [.. File.ReadLines(metricsCsvPath).Where(l => l.Length > 0).Select(l => l.Split(','))];
        if (lines.Length < 2)
        {
            throw new InvalidDataException($"{metricsCsvPath} has no rows under its header; nothing to plot.");
        }
        string[] header = [.. lines[0].Select(h => h.Trim())];
        int step = Column(header, options.StepColumn, metricsCsvPath, "the step axis, MetricsPlotOptions.StepColumn");
        var rows = lines.Skip(1).ToArray();
        List<string> names = options.Columns is { Count: > 0 } asked ? [.. asked] : DefaultColumns(header, rows, step);
        if (names.Count == 0)
        {
            throw new ArgumentException($"{metricsCsvPath} has no numeric metric columns besides '{header[step]}'; its columns are {string.Join(", ", header)}.", nameof(options));
        }
        if (names.Count > EmbeddingPlots.Palette.Count)
        {
            throw new ArgumentException($"{names.Count} columns were asked for; a chart shows at most {EmbeddingPlots.Palette.Count}.", nameof(options));
        }
        var series = new List<LineSeries>();
        var drawn = new List<(string, int)>();
        foreach (string name in names)
        {
            int column = Column(header, name, metricsCsvPath, "--columns");
            var x = new List<double>();
            var y = new List<double>();
            for (int r = 0; r < rows.Length; r++)
            {
                string cell = column < rows[r].Length ? rows[r][column].Trim() : "";
                if (cell.Length == 0)
                {
                    continue;
                }
                x.Add(Number(rows[r], step, header, r, metricsCsvPath));
                y.Add(Number(rows[r], column, header, r, metricsCsvPath));
            }
            if (x.Count == 0)
            {
                throw new ArgumentException($"Column '{name}' of {metricsCsvPath} has no values.", nameof(options));
            }
            int color = EmbeddingPlots.Palette[drawn.Count];
            // Sparse columns (validation every N steps) get markers so single points show.
            series.Add(new LineSeries(name, x, y) { Color = color, ShowMarkers = x.Count < rows.Length / 2 || x.Count < 20 });
            drawn.Add((name, color));
        }
        string quantity = names.All(n => n.EndsWith("loss", StringComparison.OrdinalIgnoreCase)) ? "loss" : "value";
        string title = options.Title ?? Path.Combine(Path.GetFileName(Path.GetDirectoryName(Path.GetFullPath(metricsCsvPath))) ?? "", Path.GetFileName(metricsCsvPath));
        Plots.SaveLineChart(pngPath, new LinePlot(title, header[step], options.LogY ? quantity + " (log scale)" : quantity, series)
        {
            Width = options.Width,
            Height = options.Height,
            LogY = options.LogY,
        });
        return drawn;
    }

    private static List<string> DefaultColumns(string[] header, string[][] rows, int step)
    {
        var numeric = Enumerable.Range(0, header.Length)
            .Where(c => c != step && !s_notMetrics.Contains(header[c], StringComparer.OrdinalIgnoreCase))
            .Where(c => rows.Any(r => c < r.Length && r[c].Trim().Length > 0)
                && rows.All(r => c >= r.Length || r[c].Trim().Length == 0 || double.TryParse(r[c], NumberStyles.Float, CultureInfo.InvariantCulture, out _)))
            .Select(c => header[c])
            .ToList();
        var losses = numeric.Where(n => n.EndsWith("loss", StringComparison.OrdinalIgnoreCase)).ToList();
        return losses.Count > 0 ? losses : numeric;
    }

    private static int Column(string[] header, string name, string path, string option)
    {
        int index = Array.IndexOf(header, name);
        return index >= 0
            ? index
            : throw new ArgumentException($"{path} has no column '{name}' ({option}); its columns are {string.Join(", ", header)}.", nameof(name));
    }

    private static double Number(string[] row, int column, string[] header, int rowIndex, string path)
    {
        string cell = column < row.Length ? row[column].Trim() : "";
        return double.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out double value)
            ? value
            : throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture,
                $"{path}, line {rowIndex + 2}: column '{header[column]}' holds '{cell}', not a number."));
    }
}
