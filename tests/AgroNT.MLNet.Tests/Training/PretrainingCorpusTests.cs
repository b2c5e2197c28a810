using System.IO.Compression;
using AgroNT.MLNet.Training.Data;
using AgroNT.Tests.Common;

namespace AgroNT.MLNet.Tests.Training;

public sealed class PretrainingCorpusTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("agront-corpus-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void ReadWindows_AgroNTDefaults_StartEvery6000AndShiftTheLastToTheEnd()
    {
        var corpus = PretrainingCorpus.FromSequences("s", () => [("chr", TinyTraining.RandomDna(20_000, 1))]);

        var windows = corpus.ReadWindows(CorpusPart.Training).ToList();

        Assert.Equal([0L, 6000, 12000, 13800], windows.Select(w => w.Start));
        Assert.All(windows, w => Assert.Equal(6200, w.Sequence.Length));
        Assert.Equal(6000, WindowingOptions.AgroNT.Stride);
    }

    [Fact]
    public void ReadWindows_NormalisesLowercaseAndAmbiguityCodesAndSkipsMostlyN()
    {
        string dna = "acgtRYKMacgt" + new string('N', 30) + "ACGT";
        var corpus = PretrainingCorpus.FromSequences("s", () => [("a", dna), ("b", "acgtn-acgt")],
            windowing: new WindowingOptions { WindowLength = 12, Overlap = 0, MinWindowLength = 5, MaxAmbiguousFraction = 0.5 });

        var windows = corpus.ReadWindows(CorpusPart.Training).ToList();

        Assert.Equal("ACGTNNNNACGT", windows[0].Sequence);
        Assert.DoesNotContain(windows, w => w.Sequence == new string('N', 12));
        // Windows at 12 and 24 are all N and the last (34..46) is 8/12 N: above the threshold, skipped.
        Assert.Single(windows, w => w.RecordName == "a");
        Assert.Equal("ACGTNNACGT", windows.Single(w => w.RecordName == "b").Sequence);
        Assert.All(windows, w => Assert.Matches("^[ACGTN]+$", w.Sequence));
    }

    [Fact]
    public void ReadWindows_RegionSplit_HoldsOutTheFractionAndSharesNoBaseWithTraining()
    {
        var records = Enumerable.Range(0, 4).Select(i => ($"chr{i}", TinyTraining.RandomDna(41_500, 10 + i))).ToArray();
        var split = ValidationSplit.ByRegion(0.2, regionLength: 5000);
        var corpus = PretrainingCorpus.FromSequences("genome.fa", () => records, split,
            windowing: new WindowingOptions { WindowLength = 1200, Overlap = 100 });

        var training = corpus.ReadWindows(CorpusPart.Training).ToList();
        var validation = corpus.ReadWindows(CorpusPart.Validation).ToList();

        // 4 records of 9 regions (the last 1.5 kb): 36 regions, a fifth of them held out.
        long heldOutRegions = validation.Select(w => (w.RecordName, w.Start / 5000)).Distinct().LongCount();
        Assert.InRange(heldOutRegions, 7, 8);
        foreach (var v in validation)
        {
            Assert.DoesNotContain(training, t => t.RecordName == v.RecordName && t.Start < v.End && v.Start < t.End);
        }
        // Every base of every record is in exactly one part.
        foreach (var (name, sequence) in records)
        {
            var covered = new int[sequence.Length];
            foreach (var w in training.Concat(validation).Where(w => w.RecordName == name))
            {
                Assert.Equal(sequence.Substring((int)w.Start, w.Sequence.Length), w.Sequence);
                for (long i = w.Start; i < w.End; i++)
                {
                    covered[i] = 1;
                }
            }
            Assert.All(covered, c => Assert.Equal(1, c));
        }
    }

    [Fact]
    public void ReadWindows_RecordSplit_HoldsOutExactlyTheNamedRecords()
    {
        var corpus = TinyTraining.Corpus(ValidationSplit.ByRecord("chr2"));

        Assert.All(corpus.ReadWindows(CorpusPart.Validation), w => Assert.Equal("chr2", w.RecordName));
        Assert.DoesNotContain(corpus.ReadWindows(CorpusPart.Training), w => w.RecordName == "chr2");
        Assert.NotEmpty(corpus.ReadWindows(CorpusPart.Validation));
    }

    [Fact]
    public void FromGenomes_GzipAndPlainFasta_GiveTheSameWindows_ValidationGenomeIsValidationOnly()
    {
        string plain = Path.Combine(SharedData.Data, "arabidopsis_bac_T25K16.fa");
        string gz = Path.Combine(_folder, "bac.fa.gz");
        using (var input = File.OpenRead(plain))
        using (var output = new GZipStream(File.Create(gz), CompressionLevel.Fastest))
        {
            input.CopyTo(output);
        }

        var fromPlain = PretrainingCorpus.FromGenomes([plain]).ReadWindows(CorpusPart.Training).ToList();
        var corpus = PretrainingCorpus.FromGenomes([gz], ValidationSplit.None, validationGenomes: [plain]);

        Assert.Equal(fromPlain.Select(w => (w.Start, w.Sequence)), corpus.ReadWindows(CorpusPart.Training).Select(w => (w.Start, w.Sequence)));
        Assert.Equal(fromPlain.Select(w => w.Sequence), corpus.ReadWindows(CorpusPart.Validation).Select(w => w.Sequence));
        Assert.Equal(15, fromPlain.Count); // 86,436 bp in regions of 100 kb: windows at 0, 6000, ..., 78000 and the shifted last one
    }

    [Fact]
    public void FromGenomes_MissingFile_NamesIt()
    {
        var error = Assert.Throws<FileNotFoundException>(() => PretrainingCorpus.FromGenomes([Path.Combine(_folder, "nope.fa")]));
        Assert.Contains("nope.fa", error.Message, StringComparison.Ordinal);
    }
}
