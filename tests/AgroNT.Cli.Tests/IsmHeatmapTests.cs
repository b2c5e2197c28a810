using AgroNT.MLNet.Variants;
using AgroNT.Tests.Common;

namespace AgroNT.Cli.Tests;

/// <summary>The <c>agront ism --heatmap</c> chart on real chloroplast DNA, read back pixel by pixel.</summary>
public sealed class IsmHeatmapTests : IDisposable
{
    private readonly CliRunner _cli = new();
    private readonly string _reference;

    public IsmHeatmapTests()
    {
        _reference = _cli.PathOf("chloroplast.fa");
        File.Copy(Path.Combine(SharedData.Data, "arabidopsis_chloroplast_NC_000932.fa"), _reference);
    }

    public void Dispose() => _cli.Dispose();

    [Theory]
    [InlineData("NC_000932.1:30001-30120", 1260)]
    [InlineData("NC_000932.1:40001-42000", 2400)]
    public void Ism_Heatmap_HasColourBarAxesAndOneReferenceCellPerColumn(string region, int width)
    {
        string png = _cli.PathOf("ism.png");

        var (code, _, stderr) = _cli.Run("ism", "--model", SharedData.TinyModel, "--reference", _reference, "--region", region,
            "-o", _cli.PathOf("ism.tsv"), "--heatmap", png, "--window", "300", "--batch-size", "64");

        Assert.True(code == 0, stderr);
        using var image = new PngPixels(png);
        Assert.Equal((width, 380), (image.Width, image.Height));

        // The colour bar: a column near the right edge running through many distinct colours (the diverging scale).
        int richest = Enumerable.Range((int)(0.85 * image.Width), image.Width - (int)(0.85 * image.Width))
            .Max(x => Enumerable.Range(0, image.Height).Select(y => image[x, y]).Select(p => (p.Red >> 3, p.Green >> 3, p.Blue >> 3)).Distinct().Count());
        Assert.True(richest >= 40, $"no colour bar at the right: the richest column has {richest} colours");
        // Its scale: tick labels beside the bar.
        Assert.True(image.CountDark(0.93, 0.1, 1, 0.9) > 100, "the colour bar has no tick labels or title");

        // Axes: base letters and title on the left, genome positions and their title along the bottom, a chart title on top.
        Assert.True(image.CountDark(0, 0.1, 0.04, 0.9) > 100, "the left axis (A/C/G/T, title) is blank");
        for (int tenth = 1; tenth < 8; tenth++)
        {
            // Tick labels spread along the whole axis, at 120 bp and at 2 kb alike.
            Assert.True(image.CountDark(0.1 * tenth, 0.88, 0.1 * (tenth + 1), 0.96) > 10, $"the position axis is blank in its tenth {tenth}");
        }
        Assert.True(image.CountDark(0.2, 0, 0.7, 0.08) > 100, "the title is missing");

        // Inside the heatmap, one row in four is the reference base (dark), the rest scored cells of both signs.
        double dark = image.CountNear(MutagenesisResult.ReferenceCellColor, 0.1, 0.2, 0.8, 0.8, tolerance: 24) / (0.7 * 0.6 * image.Width * image.Height);
        Assert.InRange(dark, 0.15, 0.35);
        Assert.True(CountReddish(image) > 100 && CountBluish(image) > 100, "the scores do not show both signs");
    }

    private static int CountReddish(PngPixels image) => Cells(image).Count(p => p.Red > p.Blue + 30);

    private static int CountBluish(PngPixels image) => Cells(image).Count(p => p.Blue > p.Red + 30);

    private static IEnumerable<SkiaSharp.SKColor> Cells(PngPixels image)
    {
        for (int y = (int)(0.2 * image.Height); y < 0.8 * image.Height; y += 2)
        {
            for (int x = (int)(0.1 * image.Width); x < 0.8 * image.Width; x += 2)
            {
                yield return image[x, y];
            }
        }
    }
}
