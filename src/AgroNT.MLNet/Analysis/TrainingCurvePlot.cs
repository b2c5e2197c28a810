using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using AgroNT.MLNet.Training.FineTuning;

namespace AgroNT.MLNet.Analysis;

/// <summary>One line of a <see cref="TrainingCurvePlot"/>.</summary>
/// <param name="Name">The series name (for the caller; the image shows only the colour).</param>
/// <param name="Points">The points, drawn in order and joined by straight lines; non-finite values are skipped.</param>
/// <param name="Color">The line colour as 0xRRGGBB.</param>
public sealed record PlotSeries(string Name, IReadOnlyList<(double X, double Y)> Points, int Color);

/// <summary>
/// Writes a line chart as a PNG with no dependency beyond .NET: axes with their end values, one coloured polyline per
/// series and a legend of colour swatches in series order (no names: the caller documents the colours). Enough to see a training curve at a glance; not a plotting library.
/// </summary>
public static class TrainingCurvePlot
{
    private const int Margin = 48;

    /// <summary>Writes a fine-tuning run's curve: training loss (blue) and validation loss (orange) against the step.</summary>
    /// <param name="path">The PNG file; replaced if it exists.</param>
    /// <param name="history">The run's history.</param>
    /// <param name="width">Image width in pixels.</param>
    /// <param name="height">Image height in pixels.</param>
    public static void Save(string path, FineTuningHistory history, int width = 640, int height = 400)
    {
        ArgumentNullException.ThrowIfNull(history);
        var train = history.Points.Where(p => double.IsFinite(p.TrainLoss)).Select(p => ((double)p.Step, p.TrainLoss)).ToList();
        var validation = history.Points.Where(p => p.ValidationLoss is not null).Select(p => ((double)p.Step, p.ValidationLoss!.Value)).ToList();
        Save(path, [new PlotSeries("train loss", train, 0x1F77B4), new PlotSeries("validation loss", validation, 0xFF7F0E)], width, height);
    }

    /// <summary>Writes series as a PNG line chart.</summary>
    /// <param name="path">The PNG file; written to a temporary name and renamed.</param>
    /// <param name="series">The lines.</param>
    /// <param name="width">Image width in pixels (at least 160).</param>
    /// <param name="height">Image height in pixels (at least 120).</param>
    public static void Save(string path, IReadOnlyList<PlotSeries> series, int width = 640, int height = 400)
    {
        ArgumentNullException.ThrowIfNull(path);
        byte[] png = Render(series, width, height);
        string temp = $"{path}.tmp-{Guid.NewGuid():N}";
        File.WriteAllBytes(temp, png);
        File.Move(temp, path, overwrite: true);
    }

    /// <summary>Renders series as PNG bytes.</summary>
    /// <param name="series">The lines.</param>
    /// <param name="width">Image width in pixels (at least 160).</param>
    /// <param name="height">Image height in pixels (at least 120).</param>
    /// <returns>The PNG file's bytes.</returns>
    public static byte[] Render(IReadOnlyList<PlotSeries> series, int width = 640, int height = 400)
    {
        ArgumentNullException.ThrowIfNull(series);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 160);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 120);
        var canvas = new Canvas(width, height);
        var points = series.SelectMany(s => s.Points).Where(p => double.IsFinite(p.X) && double.IsFinite(p.Y)).ToList();
        double xMin = points.Count > 0 ? points.Min(p => p.X) : 0, xMax = points.Count > 0 ? points.Max(p => p.X) : 1;
        double yMin = points.Count > 0 ? points.Min(p => p.Y) : 0, yMax = points.Count > 0 ? points.Max(p => p.Y) : 1;
        if (xMax == xMin)
        {
            xMax = xMin + 1;
        }
        if (yMax == yMin)
        {
            yMax = yMin + 1;
        }
        int left = Margin, right = width - 16, top = 16, bottom = height - 28;
        canvas.Line(left, bottom, right, bottom, 0x000000);
        canvas.Line(left, top, left, bottom, 0x000000);
        canvas.Text(4, top, Format(yMax), 0x000000);
        canvas.Text(4, bottom - 5, Format(yMin), 0x000000);
        canvas.Text(left, bottom + 8, Format(xMin), 0x000000);
        string xMaxText = Format(xMax);
        canvas.Text(right - 4 * xMaxText.Length, bottom + 8, xMaxText, 0x000000);
        int X(double x) => left + (int)Math.Round((x - xMin) / (xMax - xMin) * (right - left));
        int Y(double y) => bottom - (int)Math.Round((y - yMin) / (yMax - yMin) * (bottom - top));
        for (int s = 0; s < series.Count; s++)
        {
            var line = series[s].Points.Where(p => double.IsFinite(p.X) && double.IsFinite(p.Y)).ToList();
            for (int i = 0; i < line.Count; i++)
            {
                int x = X(line[i].X), y = Y(line[i].Y);
                canvas.Square(x, y, 2, series[s].Color);
                if (i > 0)
                {
                    canvas.Line(X(line[i - 1].X), Y(line[i - 1].Y), x, y, series[s].Color);
                }
            }
            // Legend: a colour swatch per series, in series order, centred below the x axis.
            canvas.Square((left + right) / 2 + 12 * (s - series.Count / 2), bottom + 12, 3, series[s].Color);
        }
        return canvas.ToPng();
    }

    private static string Format(double value) =>
        Math.Abs(value) >= 1e4 || (value != 0 && Math.Abs(value) < 1e-3)
            ? value.ToString("0.0e0", System.Globalization.CultureInfo.InvariantCulture)
            : value.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>An RGB raster with just the drawing operations a line chart needs.</summary>
    private sealed class Canvas
    {
        // 3x5 glyphs for the characters of numbers, one row of three bits per line, top to bottom.
        private static readonly Dictionary<char, int[]> s_glyphs = new()
        {
            ['0'] = [7, 5, 5, 5, 7], ['1'] = [2, 6, 2, 2, 7], ['2'] = [7, 1, 7, 4, 7], ['3'] = [7, 1, 7, 1, 7],
            ['4'] = [5, 5, 7, 1, 1], ['5'] = [7, 4, 7, 1, 7], ['6'] = [7, 4, 7, 5, 7], ['7'] = [7, 1, 1, 1, 1],
            ['8'] = [7, 5, 7, 5, 7], ['9'] = [7, 5, 7, 1, 7], ['.'] = [0, 0, 0, 0, 2], ['-'] = [0, 0, 7, 0, 0],
            ['e'] = [0, 7, 7, 4, 7],
        };

        private readonly int _width;
        private readonly int _height;
        private readonly byte[] _rgb;

        public Canvas(int width, int height)
        {
            _width = width;
            _height = height;
            _rgb = new byte[width * height * 3];
            Array.Fill(_rgb, (byte)255);
        }

        public void Pixel(int x, int y, int color)
        {
            if ((uint)x >= (uint)_width || (uint)y >= (uint)_height)
            {
                return;
            }
            int at = (y * _width + x) * 3;
            _rgb[at] = (byte)(color >> 16);
            _rgb[at + 1] = (byte)(color >> 8);
            _rgb[at + 2] = (byte)color;
        }

        public void Line(int x0, int y0, int x1, int y1, int color)
        {
            // Bresenham's line algorithm.
            int dx = Math.Abs(x1 - x0), dy = -Math.Abs(y1 - y0);
            int sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1, error = dx + dy;
            while (true)
            {
                Pixel(x0, y0, color);
                if (x0 == x1 && y0 == y1)
                {
                    return;
                }
                int twice = 2 * error;
                if (twice >= dy)
                {
                    error += dy;
                    x0 += sx;
                }
                if (twice <= dx)
                {
                    error += dx;
                    y0 += sy;
                }
            }
        }

        public void Square(int x, int y, int radius, int color)
        {
            for (int dy = -radius; dy <= radius; dy++)
            {
                for (int dx = -radius; dx <= radius; dx++)
                {
                    Pixel(x + dx, y + dy, color);
                }
            }
        }

        public void Text(int x, int y, string text, int color)
        {
            foreach (char c in text)
            {
                if (s_glyphs.TryGetValue(c, out int[]? rows))
                {
                    for (int row = 0; row < 5; row++)
                    {
                        for (int column = 0; column < 3; column++)
                        {
                            if ((rows[row] >> (2 - column) & 1) != 0)
                            {
                                Pixel(x + column, y + row, color);
                            }
                        }
                    }
                }
                x += 4;
            }
        }

        public byte[] ToPng() => PngImage.EncodeRgb(_width, _height, _rgb);
    }
}
