using System.IO.Compression;
using AgroNT.Tests.Common;
using AgroNT.Transforms.Benchmarks;
using AgroNT.Transforms.Sequences;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace AgroNT.Transforms.Tests;

public sealed class DnaCatalogDataTests : IDisposable
{
    private static readonly string s_testFasta = Path.Combine(SharedData.Data, "tasks", "chloroplast_coding", "test.fa");
    private readonly string _directory = Directory.CreateTempSubdirectory("agront-fasta-catalog-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void LoadFromFasta_TaskFile_GivesEveryRecordWithItsHeaderIdAndJoinedLines()
    {
        var expected = ParseByHand(s_testFasta);

        var view = new MLContext().Data.LoadFromFasta(s_testFasta);
        var rows = new MLContext().Data.CreateEnumerable<SequenceRow>(view, reuseRowObject: false).ToList();

        Assert.Equal(["Name", "Sequence"], view.Schema.Select(c => c.Name));
        Assert.Equal(TextDataViewType.Instance, view.Schema["Name"].Type);
        Assert.Equal(134, rows.Count);
        Assert.Equal(expected.Select(e => e.Name), rows.Select(r => r.Name));
        Assert.Equal(expected.Select(e => e.Sequence), rows.Select(r => r.Sequence));
        Assert.All(rows, r => Assert.Equal(402, r.Sequence.Length));
    }

    [Fact]
    public void LoadFromFasta_GzipCopy_ReadsTheSameRows()
    {
        string gz = Path.Combine(_directory, "test.fa.gz");
        using (var output = new GZipStream(File.Create(gz), CompressionLevel.Fastest))
        using (var input = File.OpenRead(s_testFasta))
        {
            input.CopyTo(output);
        }
        var ml = new MLContext();

        var plain = ml.Data.CreateEnumerable<SequenceRow>(ml.Data.LoadFromFasta(s_testFasta), false).ToList();
        var compressed = ml.Data.CreateEnumerable<SequenceRow>(ml.Data.LoadFromFasta(gz), false).ToList();

        Assert.Equal(plain.Select(r => r.Name + r.Sequence), compressed.Select(r => r.Name + r.Sequence));
    }

    [Fact]
    public void LoadFromFasta_FastqAndTextFiles_UseTheirLayouts()
    {
        var records = ParseByHand(s_testFasta).Take(3).ToList();
        string fastq = Path.Combine(_directory, "reads.fq");
        File.WriteAllLines(fastq, records.SelectMany(r => new[] { "@" + r.Name.Split('|')[0], r.Sequence, "+", new string('I', r.Sequence.Length) }));
        string text = Path.Combine(_directory, "lines.txt");
        File.WriteAllLines(text, records.Select(r => r.Sequence));
        var ml = new MLContext();

        var fromFastq = ml.Data.CreateEnumerable<SequenceRow>(ml.Data.LoadFromFasta(fastq), false).ToList();
        var fromText = ml.Data.CreateEnumerable<SequenceRow>(ml.Data.LoadFromFasta(text), false).ToList();

        Assert.Equal(records.Select(r => r.Name.Split('|')[0]), fromFastq.Select(r => r.Name));
        Assert.Equal(records.Select(r => r.Sequence), fromFastq.Select(r => r.Sequence));
        Assert.Equal(records.Select(r => r.Sequence), fromText.Select(r => r.Sequence));
    }

    [Fact]
    public void LoadFromFasta_ExplicitFormat_ReadsAFileWithAnyName()
    {
        string renamed = Path.Combine(_directory, "records.dat");
        File.Copy(s_testFasta, renamed);
        var ml = new MLContext();

        Assert.Throws<ArgumentException>(() => ml.Data.LoadFromFasta(renamed));
        var view = ml.Data.LoadFromFasta(renamed, SequenceFileFormat.Fasta);

        Assert.Equal(134, ml.Data.CreateEnumerable<SequenceRow>(view, false).Count());
    }

    [Fact]
    public void LoadFromFasta_MissingFile_NamesIt()
    {
        string missing = Path.Combine(_directory, "absent.fa");

        var error = Assert.Throws<FileNotFoundException>(() => new MLContext().Data.LoadFromFasta(missing));

        Assert.Contains(missing, error.Message);
    }

    [Fact]
    public void LoadFromFasta_FeedsTheTokenizer()
    {
        var ml = new MLContext();
        var view = ml.Data.LoadFromFasta(s_testFasta);

        var tokens = ml.Transforms.TokenizeDna("TokenIds", "Sequence", SharedData.TinyModel).Fit(view).Transform(view);
        var first = tokens.GetColumn<VBuffer<int>>("TokenIds").First();

        // 402 bases: <cls> and 67 six-mers.
        Assert.Equal(68, first.Length);
    }

    [Fact]
    public void LoadFromBenchmarkFasta_BinaryTask_SplitsNameAndBooleanLabel()
    {
        var expected = ParseByHand(s_testFasta);

        var view = new MLContext().Data.LoadFromBenchmarkFasta(s_testFasta, ProblemType.BinaryClassification);
        var rows = new MLContext().Data.CreateEnumerable<LabelledRow>(view, reuseRowObject: false).ToList();

        Assert.Equal(["Name", "Sequence", "Label"], view.Schema.Select(c => c.Name));
        Assert.Equal(expected.Select(e => e.Name.Split('|')[0]), rows.Select(r => r.Name));
        Assert.Equal(expected.Select(e => e.Name.EndsWith("|1", StringComparison.Ordinal)), rows.Select(r => r.Label));
        Assert.Equal(67, rows.Count(r => r.Label));
    }

    [Fact]
    public void LoadFromBenchmarkFasta_Regression_ReadsSingleLabels()
    {
        var view = new MLContext().Data.LoadFromBenchmarkFasta(s_testFasta, ProblemType.Regression);

        Assert.Equal(NumberDataViewType.Single, view.Schema["Label"].Type);
        Assert.Equal(67f, view.GetColumn<float>("Label").Sum());
    }

    private static List<(string Name, string Sequence)> ParseByHand(string path)
    {
        var records = new List<(string, string)>();
        string? name = null;
        var sequence = new System.Text.StringBuilder();
        foreach (string line in File.ReadLines(path))
        {
            if (line.StartsWith('>'))
            {
                if (name != null)
                {
                    records.Add((name, sequence.ToString()));
                }
                name = line[1..].Split(' ')[0];
                sequence.Clear();
            }
            else
            {
                sequence.Append(line.Trim());
            }
        }
        records.Add((name!, sequence.ToString()));
        return records;
    }

    private sealed class SequenceRow
    {
        public string Name { get; set; } = "";

        public string Sequence { get; set; } = "";
    }

    private sealed class LabelledRow
    {
        public string Name { get; set; } = "";

        public string Sequence { get; set; } = "";

        public bool Label { get; set; }
    }
}
