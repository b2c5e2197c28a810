using AgroNT.MLNet.Training.FineTuning;
using AgroNT.Transforms.IO;

namespace AgroNT.MLNet.Visualization;

/// <summary>One line of a <see cref="LinePlot"/>.</summary>
/// <param name="Label">Legend text.</param>
/// <param name="X">Horizontal coordinates.</param>
/// <param name="Y">Vertical coordinates, as many as <paramref name="X"/>; NaN points are left out.</param>
public sealed record LineSeries(string Label, IReadOnlyList<double> X, IReadOnlyList<double> Y)
{
    /// <summary>Whether each point is drawn as a marker as well (useful for sparse series).</summary>
    public bool ShowMarkers { get; init; }

    /// <summary>The line colour as <c>0xRRGGBB</c>; <see langword="null"/> = the next colour of the default palette.</summary>
    public int? Color { get; init; }
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

/// <summary>One group of points of a <see cref="ScatterPlot"/> (for example every sequence with one label).</summary>
/// <param name="Label">Legend text.</param>
/// <param name="X">Horizontal coordinates.</param>
/// <param name="Y">Vertical coordinates, as many as <paramref name="X"/>; non-finite points are left out.</param>
public sealed record ScatterGroup(string Label, IReadOnlyList<double> X, IReadOnlyList<double> Y)
{
    /// <summary>The marker colour as <c>0xRRGGBB</c>; <see langword="null"/> = the next colour of the default palette.</summary>
    public int? Color { get; init; }
}

/// <summary>A scatter chart of points in groups, each group one colour with a legend entry (such as a 2-D projection of embeddings coloured by label).</summary>
/// <param name="Title">The title above the chart.</param>
/// <param name="XLabel">The horizontal axis label.</param>
/// <param name="YLabel">The vertical axis label.</param>
/// <param name="Groups">The groups, drawn in order.</param>
public sealed record ScatterPlot(string Title, string XLabel, string YLabel, IReadOnlyList<ScatterGroup> Groups)
{
    /// <summary>Image width in pixels.</summary>
    public int Width { get; init; } = 800;

    /// <summary>Image height in pixels.</summary>
    public int Height { get; init; } = 600;

    /// <summary>Marker diameter in pixels.</summary>
    public float MarkerSize { get; init; } = 6;

    /// <summary>Whether the legend is drawn for a single group too (it always is for several).</summary>
    public bool ShowLegend { get; init; }
}

/// <summary>
/// Charts as PNG files, drawn with ScottPlot (SkiaSharp): the one image code path of the library (pretraining loss,
/// fine-tuning curves, embedding projections, the mutagenesis heatmap). Files are written to a temporary name and renamed.
/// </summary>
public static class Plots
{
    /// <summary>The training-loss colour of <see cref="SaveTrainingCurve"/> (blue, <c>0x1F77B4</c>).</summary>
    public const int TrainingLossColor = 0x1F77B4;

    /// <summary>The validation-loss colour of <see cref="SaveTrainingCurve"/> (orange, <c>0xFF7F0E</c>).</summary>
    public const int ValidationLossColor = 0xFF7F0E;

    /// <summary>Draws <paramref name="plot"/> and writes it as a PNG (to a temporary name, then renamed over <paramref name="path"/>).</summary>
    /// <param name="path">The PNG file; its folder is created when missing.</param>
    /// <param name="plot">The chart.</param>
    /// <exception cref="ArgumentException">A series has X and Y of different lengths, or log scale meets a non-positive value.</exception>
    public static void SaveLineChart(string path, LinePlot plot)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(plot);
        CheckSize(plot.Width, plot.Height, nameof(plot));
        using var chart = new ScottPlot.Plot();
        foreach (var series in plot.Series)
        {
            var points = FinitePoints(series.Label, series.X, series.Y, nameof(plot));
            if (plot.LogY && points.Any(p => p.Y <= 0))
            {
                throw new ArgumentException($"Series '{series.Label}' has a value <= 0, which a logarithmic axis cannot show.", nameof(plot));
            }
            double[] xs = [.. points.Select(p => p.X)];
            double[] ys = [.. points.Select(p => plot.LogY ? Math.Log10(p.Y) : p.Y)];
            var scatter = chart.Add.Scatter(xs, ys);
            scatter.LegendText = series.Label;
            scatter.LineWidth = 2;
            scatter.MarkerSize = series.ShowMarkers ? 6 : 0;
            if (series.Color is int color)
            {
                scatter.Color = ToColor(color);
            }
        }
        if (plot.LogY)
        {
            chart.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic
            {
                LabelFormatter = y => Math.Pow(10, y).ToString("G3", System.Globalization.CultureInfo.InvariantCulture),
            };
        }
        Decorate(chart, plot.Title, plot.XLabel, plot.YLabel, plot.Series.Count > 1);
        Save(chart, path, plot.Width, plot.Height);
    }

    /// <summary>Draws <paramref name="plot"/> as a scatter chart and writes it as a PNG (temporary name, then renamed).</summary>
    /// <param name="path">The PNG file; its folder is created when missing.</param>
    /// <param name="plot">The chart.</param>
    /// <exception cref="ArgumentException">A group has X and Y of different lengths.</exception>
    public static void SaveScatterChart(string path, ScatterPlot plot)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(plot);
        CheckSize(plot.Width, plot.Height, nameof(plot));
        using var chart = new ScottPlot.Plot();
        foreach (var group in plot.Groups)
        {
            var points = FinitePoints(group.Label, group.X, group.Y, nameof(plot));
            double[] xs = [.. points.Select(p => p.X)];
            double[] ys = [.. points.Select(p => p.Y)];
            var markers = chart.Add.Markers(xs, ys);
            markers.LegendText = group.Label;
            markers.MarkerSize = plot.MarkerSize;
            markers.MarkerShape = ScottPlot.MarkerShape.FilledCircle;
            if (group.Color is int color)
            {
                markers.Color = ToColor(color);
            }
        }
        Decorate(chart, plot.Title, plot.XLabel, plot.YLabel, plot.Groups.Count > 1 || plot.ShowLegend);
        Save(chart, path, plot.Width, plot.Height);
    }

    /// <summary>
    /// Writes a fine-tuning run's curve: training loss (<see cref="TrainingLossColor"/>) and validation loss
    /// (<see cref="ValidationLossColor"/>, with markers) against the optimisation step, with a legend.
    /// </summary>
    /// <param name="path">The PNG file.</param>
    /// <param name="history">The run's history (<see cref="FineTunedModel.History"/>).</param>
    /// <param name="width">Image width in pixels.</param>
    /// <param name="height">Image height in pixels.</param>
    public static void SaveTrainingCurve(string path, FineTuningHistory history, int width = 800, int height = 480)
    {
        ArgumentNullException.ThrowIfNull(history);
        var train = history.Points.Where(p => double.IsFinite(p.TrainLoss)).ToList();
        var validation = history.Points.Where(p => p.ValidationLoss is not null).ToList();
        var series = new List<LineSeries>
        {
            new("training loss", [.. train.Select(p => (double)p.Step)], [.. train.Select(p => p.TrainLoss)]) { Color = TrainingLossColor },
        };
        if (validation.Count > 0)
        {
            series.Add(new LineSeries("validation loss", [.. validation.Select(p => (double)p.Step)], [.. validation.Select(p => p.ValidationLoss!.Value)])
            {
                Color = ValidationLossColor, ShowMarkers = true,
            });
        }
        SaveLineChart(path, new LinePlot("fine-tuning", "step", "loss", series) { Width = width, Height = height });
    }

    /// <summary>Encodes a row-major RGB raster (3 bytes per pixel) as PNG bytes, through the same SkiaSharp encoder as the charts.</summary>
    internal static byte[] EncodeRgbPng(int width, int height, ReadOnlySpan<byte> rgb)
    {
        if (rgb.Length != width * height * 3)
        {
            throw new ArgumentException($"A {width} x {height} RGB raster needs {width * height * 3} bytes, not {rgb.Length}.", nameof(rgb));
        }
        var pixels = new byte[height, width, 3];
        for (int y = 0, at = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++, at += 3)
            {
                pixels[y, x, 0] = rgb[at];
                pixels[y, x, 1] = rgb[at + 1];
                pixels[y, x, 2] = rgb[at + 2];
            }
        }
        using var image = new ScottPlot.Image(pixels);
        return image.GetImageBytes(ScottPlot.ImageFormat.Png, 100);
    }

    private static void CheckSize(int width, int height, string parameter)
    {
        if (width < 64 || height < 64)
        {
            throw new ArgumentOutOfRangeException(parameter, $"The image is {width} x {height} pixels; both sides must be at least 64.");
        }
    }

    private static List<(double X, double Y)> FinitePoints(string label, IReadOnlyList<double> x, IReadOnlyList<double> y, string parameter)
    {
        if (x.Count != y.Count)
        {
            throw new ArgumentException($"Series '{label}' has {x.Count} x values but {y.Count} y values.", parameter);
        }
        return [.. x.Zip(y).Where(p => double.IsFinite(p.First) && double.IsFinite(p.Second))];
    }

    private static ScottPlot.Color ToColor(int rgb) => new((byte)(rgb >> 16), (byte)(rgb >> 8), (byte)rgb);

    private static void Decorate(ScottPlot.Plot chart, string title, string xLabel, string yLabel, bool legend)
    {
        chart.Title(title);
        chart.XLabel(xLabel);
        chart.YLabel(yLabel);
        if (legend)
        {
            chart.ShowLegend(ScottPlot.Alignment.UpperRight);
        }
    }

    /// <summary>Renders a ScottPlot chart to PNG bytes.</summary>
    internal static byte[] RenderPng(ScottPlot.Plot chart, int width, int height)
    {
        using var image = chart.GetImage(width, height);
        return image.GetImageBytes(ScottPlot.ImageFormat.Png, 100);
    }

    private static void Save(ScottPlot.Plot chart, string path, int width, int height)
    {
        string full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        using var image = chart.GetImage(width, height);
        using var file = StagedFile.Create(full);
        file.Stream.Write(image.GetImageBytes(ScottPlot.ImageFormat.Png, 100));
        file.Commit();
    }
}
