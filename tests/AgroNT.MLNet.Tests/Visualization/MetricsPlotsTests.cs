using AgroNT.MLNet.Visualization;
using AgroNT.Tests.Common;

namespace AgroNT.MLNet.Tests.Visualization;

public sealed class MetricsPlotsTests : IDisposable
{
    private static readonly string s_metrics = Path.Combine(SharedData.RepositoryRoot, "models", "agront-default", "metrics.csv");
    private readonly TemporaryFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Save_PretrainMetrics_DrawsTheLossColumnsByDefault()
    {
        var drawn = MetricsPlots.Save(s_metrics, _folder.File("curve.png"));

        Assert.Equal(["train_loss", "val_loss", "baseline_loss"], drawn.Select(d => d.Column));
        Assert.Equal(EmbeddingPlots.Palette.Take(3), drawn.Select(d => d.Color));
        Assert.True(File.Exists(_folder.File("curve.png")));
    }

    [Fact]
    public void Save_NoLossColumns_DrawsEveryNumericMetricButBookkeeping()
    {
        string csv = _folder.File("m.csv");
        File.WriteAllLines(csv, ["step,tokens,accuracy,auroc,elapsed_seconds", "1,10,0.5,0.6,1.0", "2,20,0.7,,2.0", "3,30,0.8,0.9,3.0"]);

        var drawn = MetricsPlots.Save(csv, _folder.File("m.png"));

        Assert.Equal(["accuracy", "auroc"], drawn.Select(d => d.Column));
    }

    [Fact]
    public void Save_TextInANumberCell_NamesTheLineAndColumn()
    {
        string csv = _folder.File("bad.csv");
        File.WriteAllLines(csv, ["step,train_loss", "1,8.1", "2,oops"]);

        var error = Assert.Throws<InvalidDataException>(() => MetricsPlots.Save(csv, _folder.File("bad.png"), new MetricsPlotOptions { Columns = ["train_loss"] }));

        Assert.Contains("line 3: column 'train_loss' holds 'oops'", error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(_folder.File("bad.png")));
    }

    [Fact]
    public void Save_NoStepColumn_ListsTheColumns()
    {
        string csv = _folder.File("nostep.csv");
        File.WriteAllLines(csv, ["epoch,loss", "1,0.5"]);

        var error = Assert.Throws<ArgumentException>(() => MetricsPlots.Save(csv, _folder.File("x.png")));

        Assert.Contains("has no column 'step'", error.Message, StringComparison.Ordinal);
        Assert.Contains("its columns are epoch, loss", error.Message, StringComparison.Ordinal);
    }
}
