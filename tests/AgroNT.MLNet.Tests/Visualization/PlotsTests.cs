using AgroNT.MLNet.Training.FineTuning;
using AgroNT.MLNet.Visualization;
using SkiaSharp;

namespace AgroNT.MLNet.Tests.Visualization;

public sealed class PlotsTests
{
    private const int Blue = 0x1F77B4;
    private const int Orange = 0xFF7F0E;
    private const int Green = 0x2CA02C;

    [Fact]
    public void SaveLineChart_TwoSeries_WritesAPngOfTheRequestedSizeWithBothColours()
    {
        using var folder = new TemporaryFolder();
        var plot = new LinePlot("loss", "update", "nats",
        [
            new LineSeries("training", [1, 2, 3, 4], [8.3, 8.1, double.NaN, 7.6]) { Color = Blue },
            new LineSeries("validation", [0, 4], [8.4, 7.7]) { ShowMarkers = true, Color = Orange },
        ])
        { Width = 320, Height = 200 };

        Plots.SaveLineChart(folder.File("loss.png"), plot);

        byte[] png = File.ReadAllBytes(folder.File("loss.png"));
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A], png.Take(8));
        // IHDR width and height, big-endian, at bytes 16..23.
        Assert.Equal(320, (png[16] << 24) | (png[17] << 16) | (png[18] << 8) | png[19]);
        Assert.Equal(200, (png[20] << 24) | (png[21] << 16) | (png[22] << 8) | png[23]);
        using var bitmap = SKBitmap.Decode(png);
        Assert.Equal((320, 200), (bitmap.Width, bitmap.Height));
        Assert.True(CountNear(bitmap, Blue) > 20, "the training line's blue pixels are missing");
        Assert.True(CountNear(bitmap, Orange) > 10, "the validation line's orange pixels are missing");
        Assert.Equal(0, CountNear(bitmap, Green));
        Assert.Equal(["loss.png"], folder.FileNames());
    }

    [Fact]
    public void SaveScatterChart_TwoGroups_DrawsEachGroupInItsColour()
    {
        using var folder = new TemporaryFolder();
        var plot = new ScatterPlot("PCA", "PC1", "PC2",
        [
            new ScatterGroup("coding", [0, 1, 2], [0, 1, 0]) { Color = Green },
            new ScatterGroup("non-coding", [5, 6], [5, 4]) { Color = Orange },
        ])
        { Width = 300, Height = 240 };

        Plots.SaveScatterChart(folder.File("pca.png"), plot);

        using var bitmap = SKBitmap.Decode(File.ReadAllBytes(folder.File("pca.png")));
        Assert.Equal((300, 240), (bitmap.Width, bitmap.Height));
        Assert.True(CountNear(bitmap, Green) > 10);
        Assert.True(CountNear(bitmap, Orange) > 10);
        Assert.Equal(0, CountNear(bitmap, Blue));
    }

    [Fact]
    public void SaveTrainingCurve_History_DrawsTrainingBlueAndValidationOrange()
    {
        using var folder = new TemporaryFolder();
        var history = new FineTuningHistory(
            [new TrainingCurvePoint(1, 1, 0.7, null, null), new TrainingCurvePoint(2, 1, 0.6, 0.65, 0.7), new TrainingCurvePoint(3, 1, 0.5, 0.6, 0.75)],
            "auroc", 3, 3, 0.6, false, TimeSpan.Zero);

        Plots.SaveTrainingCurve(folder.File("curve.png"), history, 400, 300);

        using var bitmap = SKBitmap.Decode(File.ReadAllBytes(folder.File("curve.png")));
        Assert.Equal((400, 300), (bitmap.Width, bitmap.Height));
        Assert.True(CountNear(bitmap, Plots.TrainingLossColor) > 20);
        Assert.True(CountNear(bitmap, Plots.ValidationLossColor) > 20);
    }

    [Fact]
    public void SaveTrainingCurve_NoValidation_DrawsNoOrange()
    {
        using var folder = new TemporaryFolder();
        var history = new FineTuningHistory([new TrainingCurvePoint(1, 1, 0.7, null, null), new TrainingCurvePoint(2, 1, 0.6, null, null)], "auroc", 2, 2, null, false, TimeSpan.Zero);

        Plots.SaveTrainingCurve(folder.File("curve.png"), history);

        using var bitmap = SKBitmap.Decode(File.ReadAllBytes(folder.File("curve.png")));
        Assert.Equal(800, bitmap.Width);
        Assert.True(CountNear(bitmap, Plots.TrainingLossColor) > 20);
        Assert.Equal(0, CountNear(bitmap, Plots.ValidationLossColor));
    }

    [Fact]
    public void EncodeRgbPng_Raster_DecodesToTheSamePixels()
    {
        byte[] rgb = [255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30, 255, 255, 255, 0, 0, 0];

        using var bitmap = SKBitmap.Decode(Plots.EncodeRgbPng(3, 2, rgb));

        Assert.Equal((3, 2), (bitmap.Width, bitmap.Height));
        Assert.Equal(new SKColor(255, 0, 0), bitmap.GetPixel(0, 0));
        Assert.Equal(new SKColor(0, 0, 255), bitmap.GetPixel(2, 0));
        Assert.Equal(new SKColor(10, 20, 30), bitmap.GetPixel(0, 1));
        Assert.Equal(new SKColor(0, 0, 0), bitmap.GetPixel(2, 1));
    }

    [Fact]
    public void SaveLineChart_MismatchedSeries_ThrowsAndWritesNothing()
    {
        using var folder = new TemporaryFolder();
        var plot = new LinePlot("t", "x", "y", [new LineSeries("a", [1, 2], [1])]);
        var error = Assert.Throws<ArgumentException>(() => Plots.SaveLineChart(folder.File("a.png"), plot));
        Assert.Contains("'a' has 2 x values but 1 y values", error.Message);
        Assert.Empty(folder.FileNames());
    }

    [Fact]
    public void SaveLineChart_LogScaleWithAZero_Throws()
    {
        using var folder = new TemporaryFolder();
        var plot = new LinePlot("t", "x", "y", [new LineSeries("a", [1, 2], [1, 0])]) { LogY = true };
        Assert.Throws<ArgumentException>(() => Plots.SaveLineChart(folder.File("a.png"), plot));
    }

    /// <summary>Pixels within a small distance of <paramref name="rgb"/> (anti-aliasing blends line edges, not their centre).</summary>
    private static int CountNear(SKBitmap bitmap, int rgb)
    {
        int count = 0;
        foreach (SKColor pixel in bitmap.Pixels)
        {
            if (Math.Abs(pixel.Red - (rgb >> 16 & 0xFF)) + Math.Abs(pixel.Green - (rgb >> 8 & 0xFF)) + Math.Abs(pixel.Blue - (rgb & 0xFF)) <= 12)
            {
                count++;
            }
        }
        return count;
    }
}
