using AgroNT.MLNet.Onnx;
using AgroNT.MLNet.Tests.Checkpoints.Support;
using AgroNT.Tests.Common;

namespace AgroNT.MLNet.Tests.Onnx;

/// <summary><see cref="OnnxExportOptions.Progress"/>: weight bytes written, reported tensor by tensor up to what the export wrote.</summary>
public sealed class OnnxExportProgressTests
{
    [Theory]
    [InlineData(OnnxExternalData.Never)]
    [InlineData(OnnxExternalData.Always)]
    public void Export_TinyModel_ReportsWeightBytesUpToTheBytesWritten(OnnxExternalData externalData)
    {
        using var folder = new TempFolder();
        var reports = new List<OnnxExportProgress>();

        var result = OnnxExporter.Export(SharedData.TinyModel, folder.Path, new OnnxExportOptions { ExternalData = externalData, Progress = new Recorder(reports) });

        Assert.True(reports.Count > 10, $"{reports.Count} reports"); // one per weight tensor: embeddings, every layer's, the LM head's
        Assert.Equal(reports.Count, reports.Select(r => r.BytesWritten).Distinct().Count());
        Assert.Equal(reports.Select(r => r.BytesWritten).Order(), reports.Select(r => r.BytesWritten));
        Assert.Equal(result.WeightBytes, reports[^1].BytesWritten);
        Assert.Single(reports.Select(r => r.BytesEstimated).Distinct());
        Assert.InRange(reports[0].BytesEstimated, result.WeightBytes * 9 / 10, result.WeightBytes * 11 / 10);
        if (externalData == OnnxExternalData.Always)
        {
            Assert.True(new FileInfo(result.ExternalDataPath!).Length >= reports[^1].BytesWritten);
        }
    }

    private sealed class Recorder(List<OnnxExportProgress> reports) : IProgress<OnnxExportProgress>
    {
        public void Report(OnnxExportProgress value) => reports.Add(value);
    }
}
