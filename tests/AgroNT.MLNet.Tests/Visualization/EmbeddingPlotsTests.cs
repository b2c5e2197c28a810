using System.Globalization;
using AgroNT.MLNet.EmbeddingFiles;
using AgroNT.MLNet.Visualization;
using AgroNT.Tests.Common;
using AgroNT.Transforms.Sequences;
using SkiaSharp;

namespace AgroNT.MLNet.Tests.Visualization;

public sealed class EmbeddingPlotsTests : IDisposable
{
    private static readonly string s_task = Path.Combine(SharedData.Data, "tasks", "chloroplast_coding", "test.fa");
    private readonly TemporaryFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void ReadFastaLabels_TaskFile_KeysEveryRecordByNameWithoutTheLabel()
    {
        var labels = EmbeddingPlots.ReadFastaLabels(s_task);

        Assert.Equal(134, labels.Count);
        Assert.Equal(67, labels.Values.Count(v => v == "1"));
        Assert.Equal("0", labels["NC_000932:108988-109389(+)"]);
    }

    [Fact]
    public void SavePca_TrinucleotideProfilesOfRealDna_GroupsByLabelWithExplainedVariance()
    {
        string csv = WriteTrinucleotideProfiles();

        var plot = EmbeddingPlots.SavePca(csv, _folder.File("pca.png"), new EmbeddingPcaPlotOptions { Labels = EmbeddingPlots.ReadFastaLabels(s_task), Width = 500, Height = 400 });

        Assert.Equal(134, plot.Rows);
        Assert.Equal([("0", 67, EmbeddingPlots.Palette[0]), ("1", 67, EmbeddingPlots.Palette[1])], plot.Groups);
        Assert.Equal(0, plot.Unlabelled);
        Assert.True(plot.ExplainedVarianceRatio[0] >= plot.ExplainedVarianceRatio[1] && plot.ExplainedVarianceRatio[1] > 0);
        Assert.True(plot.ExplainedVarianceRatio[0] + plot.ExplainedVarianceRatio[1] < 1);
        using var bitmap = SKBitmap.Decode(File.ReadAllBytes(_folder.File("pca.png")));
        Assert.Equal((500, 400), (bitmap.Width, bitmap.Height));
    }

    [Fact]
    public void SavePca_LabelsOfOtherRecords_SaysNoIdMatched()
    {
        string csv = WriteTrinucleotideProfiles();
        var other = new Dictionary<string, string> { ["chr9:1-100"] = "1" };

        var error = Assert.Throws<ArgumentException>(() => EmbeddingPlots.SavePca(csv, _folder.File("pca.png"), new EmbeddingPcaPlotOptions { Labels = other }));

        Assert.Contains("None of the 134 ids", error.Message, StringComparison.Ordinal);
        Assert.Contains("'chr9:1-100'", error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(_folder.File("pca.png")));
    }

    [Fact]
    public void SavePca_MoreLabelsThanColours_IsRefused()
    {
        string csv = WriteTrinucleotideProfiles();
        var perRecord = EmbeddingFileReader.Read(csv).Select((row, i) => (id: row.Id, i)).ToDictionary(p => p.id, p => p.i.ToString(CultureInfo.InvariantCulture));

        var error = Assert.Throws<ArgumentException>(() => EmbeddingPlots.SavePca(csv, _folder.File("pca.png"), new EmbeddingPcaPlotOptions { Labels = perRecord }));

        Assert.Contains("134 distinct values", error.Message, StringComparison.Ordinal);
    }

    /// <summary>Each record's 64 trinucleotide frequencies, computed here, as an embedding CSV keyed like agront embed keys a labelled FASTA.</summary>
    private string WriteTrinucleotideProfiles()
    {
        string path = _folder.File("profiles.csv");
        var lines = new List<string> { "id," + string.Join(',', Enumerable.Range(0, 64).Select(i => $"e{i}")) };
        foreach (var record in SequenceReader.ReadFile(s_task))
        {
            var counts = new double[64];
            for (int i = 0; i + 3 <= record.Sequence.Length; i++)
            {
                int code = 0;
                foreach (char c in record.Sequence.AsSpan(i, 3))
                {
                    code = code * 4 + "ACGT".IndexOf(char.ToUpperInvariant(c), StringComparison.Ordinal);
                }
                if (code >= 0 && !record.Sequence.AsSpan(i, 3).ContainsAnyExcept("ACGTacgt"))
                {
                    counts[code]++;
                }
            }
            double total = counts.Sum();
            lines.Add($"\"{record.Name}\"," + string.Join(',', counts.Select(c => (c / total).ToString("R", CultureInfo.InvariantCulture))));
        }
        File.WriteAllLines(path, lines);
        return path;
    }
}
