using AgroNT.MLNet.EmbeddingFiles;
using AgroNT.MLNet.Visualization;
using AgroNT.Tests.Common;

namespace AgroNT.Cli.Tests;

public sealed class PlotVerbTests : IDisposable
{
    private static readonly string s_task = Path.Combine(SharedData.Data, "tasks", "chloroplast_coding", "test.fa");
    private static readonly string s_metrics = Path.Combine(SharedData.RepositoryRoot, "models", "agront-default", "metrics.csv");
    private static readonly int Blue = EmbeddingPlots.Palette[0], Orange = EmbeddingPlots.Palette[1], Green = EmbeddingPlots.Palette[2];
    private readonly CliRunner _cli = new();
    private readonly Lazy<string> _embeddings;

    public PlotVerbTests()
    {
        _embeddings = new(() =>
        {
            // Real Arabidopsis chloroplast windows (half coding, half not) embedded with the tiny fixture model.
            string path = _cli.PathOf("emb.parquet");
            var (code, _, stderr) = _cli.Run("embed", "--model", SharedData.TinyModel, "-i", s_task, "-o", path);
            Assert.True(code == 0, stderr);
            return path;
        });
    }

    public void Dispose() => _cli.Dispose();

    [Fact]
    public void PlotEmbeddings_LabelledFasta_DrawsBothLabelsInPlotAndLegendWithAxisTitles()
    {
        string png = _cli.PathOf("pca.png");

        var (code, _, stderr) = _cli.Run("plot", "embeddings", "-i", _embeddings.Value, "--labels", s_task, "-o", png, "--width", "700", "--height", "500");

        Assert.True(code == 0, stderr);
        Assert.Contains("134 embeddings", stderr, StringComparison.Ordinal);
        Assert.Contains("label 0: 67, label 1: 67", stderr, StringComparison.Ordinal);
        using var image = new PngPixels(png);
        Assert.Equal((700, 500), (image.Width, image.Height));
        Assert.True(image.CountNear(Blue) > 100, "label 0's blue markers are missing");
        Assert.True(image.CountNear(Orange) > 100, "label 1's orange markers are missing");
        Assert.Equal(0, image.CountNear(Green));
        // The legend (upper right) holds a swatch of each label's colour and dark text.
        Assert.True(image.CountNear(Blue, 0.6, 0.05, 1, 0.35) > 5 && image.CountNear(Orange, 0.6, 0.05, 1, 0.35) > 5, "the legend lacks a label colour");
        // The vertical axis title and tick labels (left strip) and the horizontal ones (bottom strip) are drawn.
        Assert.True(image.CountDark(0, 0.2, 0.12, 0.8) > 150, "the left axis has no title or tick labels");
        Assert.True(image.CountDark(0.2, 0.88, 0.8, 1) > 150, "the bottom axis has no title or tick labels");
        Assert.True(image.CountDark(0.2, 0, 0.8, 0.08) > 100, "the title is missing");
    }

    [Fact]
    public void PlotEmbeddings_NoLabels_DrawsOneColour()
    {
        string png = _cli.PathOf("plain.png");

        var (code, _, stderr) = _cli.Run("plot", "embeddings", "-i", _embeddings.Value, "-o", png);

        Assert.True(code == 0, stderr);
        using var image = new PngPixels(png);
        Assert.Equal((800, 600), (image.Width, image.Height));
        Assert.True(image.CountNear(Blue) > 100);
        Assert.Equal(0, image.CountNear(Orange));
    }

    [Fact]
    public void PlotEmbeddings_ColorByTableColumn_UsesThatColumnAndGreysUnknownIds()
    {
        // A metadata table keyed by the embedded ids: the first 40 records "early", the next 40 "late", the rest absent.
        var ids = EmbeddingFileReader.Read(_embeddings.Value).Select(r => r.Id).ToList();
        string table = _cli.PathOf("meta.csv");
        File.WriteAllLines(table, ["id,part", .. ids.Take(80).Select((id, i) => $"\"{id}\",{(i < 40 ? "early" : "late")}")]);
        string png = _cli.PathOf("by-part.png");

        var (code, _, stderr) = _cli.Run("plot", "embeddings", "-i", _embeddings.Value, "--labels", table, "--color-by", "part", "-o", png);

        Assert.True(code == 0, stderr);
        Assert.Contains("part early: 40, part late: 40; 54 without a label", stderr, StringComparison.Ordinal);
        using var image = new PngPixels(png);
        Assert.True(image.CountNear(Blue) > 50 && image.CountNear(Orange) > 50);
        Assert.True(image.CountNear(EmbeddingPlots.UnlabelledColor, tolerance: 6) > 50, "the unlabelled grey points are missing");
    }

    [Fact]
    public void PlotMetrics_PretrainMetricsCsv_DrawsEachLossInItsColour()
    {
        string png = _cli.PathOf("curve.png");

        var (code, _, stderr) = _cli.Run("plot", "metrics", "-i", s_metrics, "-o", png, "--width", "640", "--height", "400");

        Assert.True(code == 0, stderr);
        Assert.Contains("train_loss, val_loss, baseline_loss against step", stderr, StringComparison.Ordinal);
        using var image = new PngPixels(png);
        Assert.Equal((640, 400), (image.Width, image.Height));
        Assert.True(image.CountNear(Blue) > 100, "train_loss");
        Assert.True(image.CountNear(Orange) > 30, "val_loss");
        Assert.True(image.CountNear(Green) > 30, "baseline_loss");
        Assert.True(image.CountDark(0, 0.2, 0.12, 0.8) > 100, "the left axis has no title or tick labels");
        Assert.True(image.CountDark(0.2, 0.88, 0.8, 1) > 100, "the bottom axis has no title or tick labels");
    }

    [Fact]
    public void PlotMetrics_ChosenColumn_DrawsOnlyIt()
    {
        string png = _cli.PathOf("accuracy.png");

        var (code, _, stderr) = _cli.Run("plot", "metrics", "-i", s_metrics, "--columns", "val_accuracy", "-o", png);

        Assert.True(code == 0, stderr);
        using var image = new PngPixels(png);
        Assert.True(image.CountNear(Blue) > 30);
        Assert.Equal(0, image.CountNear(Orange) + image.CountNear(Green));
    }

    [Fact]
    public void PlotMetrics_UnknownColumn_ExitsOneListingTheColumns()
    {
        var (code, _, stderr) = _cli.Run("plot", "metrics", "-i", s_metrics, "--columns", "accuracy", "-o", _cli.PathOf("x.png"));

        Assert.Equal(1, code);
        Assert.Contains("has no column 'accuracy' (--columns); its columns are step, tokens, learning_rate, train_loss", stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(_cli.PathOf("x.png")));
    }

    [Theory]
    [InlineData(new[] { "plot", "-i", "a.parquet", "-o", "a.png" }, "name one chart")]
    [InlineData(new[] { "plot", "pie", "-i", "a.parquet", "-o", "a.png" }, "unknown chart 'pie'")]
    [InlineData(new[] { "plot", "embeddings", "-i", "a.parquet", "--color-by", "x", "-o", "a.png" }, "--color-by needs --labels")]
    [InlineData(new[] { "plot", "embeddings", "-i", "a.parquet", "-o", "a.jpg" }, ".png")]
    public void Plot_BadArguments_AreUsageErrors(string[] args, string expected)
    {
        var (code, _, stderr) = _cli.Run(args);

        Assert.Equal(2, code);
        Assert.Contains(expected, stderr, StringComparison.Ordinal);
    }
}
