namespace AgroNT.MLNet.Analysis;

/// <summary>One line of a <see cref="LinePlot"/>.</summary>
/// <param name="Label">Legend text.</param>
/// <param name="X">Horizontal coordinates.</param>
/// <param name="Y">Vertical coordinates, as many as <paramref name="X"/>; NaN points are left out.</param>
public sealed record LineSeries(string Label, IReadOnlyList<double> X, IReadOnlyList<double> Y)
{
    /// <summary>Whether each point is drawn as a marker as well (useful for sparse series).</summary>
    public bool ShowMarkers { get; init; }
}

/// <summary>A line chart: a title, axis labels and one or more series.</summary>
/// <param name="Title">The title above the chart.</param>
/// <param name="XLabel">The horizontal axis label.</param>
/// <param name="YLabel">The vertical axis label.</param>
/// <param name="Series">The lines, drawn in order with distinct colours and a legend.</param>
public sealed record LinePlot(string Title, string XLabel, string YLabel, IReadOnlyList<LineSeries> Series)
{
    /// <summary>Image width in pixels.</summary>
    public int Width { get; init; } = 900;

    /// <summary>Image height in pixels.</summary>
    public int Height { get; init; } = 540;

    /// <summary>Whether the vertical axis is logarithmic (base 10); all values must then be positive.</summary>
    public bool LogY { get; init; }
}

/// <summary>Charts as PNG files, drawn with ScottPlot (SkiaSharp); used for the pretraining loss curve.</summary>
public static class Plots
{
    /// <summary>Draws <paramref name="plot"/> and writes it as a PNG (to a temporary name, then renamed over <paramref name="path"/>).</summary>
    /// <exception cref="ArgumentException">A series has X and Y of different lengths, or log scale meets a non-positive value.</exception>
    public static void SaveLineChart(string path, LinePlot plot)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(plot);
        ArgumentOutOfRangeException.ThrowIfLessThan(plot.Width, 64, nameof(plot));
        ArgumentOutOfRangeException.ThrowIfLessThan(plot.Height, 64, nameof(plot));
        using var chart = new ScottPlot.Plot();
        foreach (var series in plot.Series)
        {
            if (series.X.Count != series.Y.Count)
            {
                throw new ArgumentException($"Series '{series.Label}' has {series.X.Count} x values but {series.Y.Count} y values.", nameof(plot));
            }
            var points = series.X.Zip(series.Y).Where(p => double.IsFinite(p.First) && double.IsFinite(p.Second)).ToArray();
            if (plot.LogY && points.Any(p => p.Second <= 0))
            {
                throw new ArgumentException($"Series '{series.Label}' has a value <= 0, which a logarithmic axis cannot show.", nameof(plot));
            }
            double[] xs = points.Select(p => p.First).ToArray();
            double[] ys = points.Select(p => plot.LogY ? Math.Log10(p.Second) : p.Second).ToArray();
            var scatter = chart.Add.Scatter(xs, ys);
            scatter.LegendText = series.Label;
            scatter.LineWidth = 2;
            scatter.MarkerSize = series.ShowMarkers ? 6 : 0;
        }
        if (plot.LogY)
        {
            var ticks = new ScottPlot.TickGenerators.NumericAutomatic
            {
                LabelFormatter = y => Math.Pow(10, y).ToString("G3", System.Globalization.CultureInfo.InvariantCulture),
            };
            chart.Axes.Left.TickGenerator = ticks;
        }
        chart.Title(plot.Title);
        chart.XLabel(plot.XLabel);
        chart.YLabel(plot.YLabel);
        if (plot.Series.Count > 1)
        {
            chart.ShowLegend(ScottPlot.Alignment.UpperRight);
        }
        string full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        string temporary = $"{full}.tmp-{Guid.NewGuid():N}.png";
        try
        {
            chart.SavePng(temporary, plot.Width, plot.Height);
            File.Move(temporary, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary))
            {
                File.Delete(temporary);
            }
        }
    }
}
