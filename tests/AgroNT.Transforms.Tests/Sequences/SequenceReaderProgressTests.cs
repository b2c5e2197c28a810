using System.IO.Compression;
using AgroNT.Tests.Common;
using AgroNT.Transforms.Sequences;

namespace AgroNT.Transforms.Tests.Sequences;

/// <summary>
/// <see cref="SequenceReader.ReadFile(string, SequenceFileFormat?, IProgress{long})"/> reports the file's bytes read
/// while a long record is still being read, and ends at the file's length (compressed bytes for gzip).
/// </summary>
public sealed class SequenceReaderProgressTests : IDisposable
{
    private static readonly string s_chloroplast = Path.Combine(SharedData.Data, "arabidopsis_chloroplast_NC_000932.fa");

    private readonly string _directory = Directory.CreateTempSubdirectory("agront-readprogress-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void ReadFile_OneLongRecord_ReportsSeveralByteCountsBeforeTheRecordEndsAndEndsAtTheFileLength()
    {
        var reports = new List<long>();
        var reportsWhenYielded = new List<int>();
        var records = new List<SequenceRecord>();
        foreach (var record in SequenceReader.ReadFile(s_chloroplast, null, new Recorder(reports)))
        {
            reportsWhenYielded.Add(reports.Count);
            records.Add(record);
        }

        var single = Assert.Single(records);
        Assert.Equal(SequenceReader.ReadFile(s_chloroplast).Single().Sequence, single.Sequence);
        // The 157 kB file is read in 64 KiB pieces: the count moves three times inside the one record.
        Assert.True(reportsWhenYielded[0] >= 3, $"{reportsWhenYielded[0]} reports before the record was complete");
        Assert.True(reports.Distinct().Count() >= 3, string.Join(", ", reports));
        Assert.Equal(reports.Order(), reports);
        Assert.Equal(new FileInfo(s_chloroplast).Length, reports[^1]);
    }

    [Fact]
    public void ReadFile_Gzip_CountsCompressedBytesUpToTheCompressedLength()
    {
        string gz = Path.Combine(_directory, "chloroplast.fa.gz");
        using (var output = new GZipStream(File.Create(gz), CompressionLevel.Optimal))
        using (var input = File.OpenRead(s_chloroplast))
        {
            input.CopyTo(output);
        }
        var reports = new List<long>();

        var record = Assert.Single(SequenceReader.ReadFile(gz, null, new Recorder(reports)));

        Assert.Equal(SequenceReader.ReadFile(s_chloroplast).Single().Sequence, record.Sequence);
        long compressed = new FileInfo(gz).Length;
        Assert.True(compressed < new FileInfo(s_chloroplast).Length / 2);
        Assert.True(reports.Distinct().Count() > 1, string.Join(", ", reports));
        Assert.Equal(compressed, reports[^1]);
    }

    [Fact]
    public void ReadFile_EachEnumeration_CountsFromTheStartAgain()
    {
        var reports = new List<long>();
        var records = SequenceReader.ReadFile(s_chloroplast, null, new Recorder(reports));
        _ = records.Count();
        int first = reports.Count;
        _ = records.Count();

        Assert.Equal(reports[..first], reports[first..]);
    }

    private sealed class Recorder(List<long> reports) : IProgress<long>
    {
        public void Report(long value) => reports.Add(value);
    }
}
