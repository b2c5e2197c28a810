using AgroNT.MLNet.Analysis;

namespace AgroNT.MLNet.Tests.Analysis;

public sealed class PlotsTests
{
    [Fact]
    public void SaveLineChart_TwoSeries_WritesAPngOfTheRequestedSize()
    {
        using var folder = new TemporaryFolder();
        var plot = new LinePlot("loss", "update", "nats",
        [
            new LineSeries("training", [1, 2, 3, 4], [8.3, 8.1, double.NaN, 7.6]),
            new LineSeries("validation", [0, 4], [8.4, 7.7]) { ShowMarkers = true },
        ])
        { Width = 320, Height = 200 };

        Plots.SaveLineChart(folder.File("loss.png"), plot);

        byte[] png = File.ReadAllBytes(folder.File("loss.png"));
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], png.Take(4));
        // IHDR width and height, big-endian, at bytes 16..23.
        Assert.Equal(320, (png[16] << 24) | (png[17] << 16) | (png[18] << 8) | png[19]);
        Assert.Equal(200, (png[20] << 24) | (png[21] << 16) | (png[22] << 8) | png[23]);
        Assert.Equal(["loss.png"], folder.FileNames());
    }

    [Fact]
    public void SaveLineChart_MismatchedSeries_Throws()
    {
        using var folder = new TemporaryFolder();
        var plot = new LinePlot("t", "x", "y", [new LineSeries("a", [1, 2], [1])]);
        Assert.Throws<ArgumentException>(() => Plots.SaveLineChart(folder.File("a.png"), plot));
        Assert.Empty(folder.FileNames());
    }

    [Fact]
    public void SaveLineChart_LogScaleWithAZero_Throws()
    {
        using var folder = new TemporaryFolder();
        var plot = new LinePlot("t", "x", "y", [new LineSeries("a", [1, 2], [1, 0])]) { LogY = true };
        Assert.Throws<ArgumentException>(() => Plots.SaveLineChart(folder.File("a.png"), plot));
    }
}
