using AgroNT.MLNet.Training;
using AgroNT.MLNet.Training.Data;

namespace AgroNT.MLNet.Tests.Training;

public sealed class TrainingWindowStreamTests
{
    private static readonly PretrainingCorpus s_corpus = TinyTraining.Corpus(ValidationSplit.None);

    [Fact]
    public void Next_EachEpoch_IsAShuffledPermutationOfTheTrainingWindows()
    {
        var all = s_corpus.ReadWindows(CorpusPart.Training).Select(w => (w.RecordName, w.Start)).ToList();
        using var stream = new TrainingWindowStream(s_corpus, seed: 3, shuffleBufferWindows: 4, new DataPosition(0, 0));

        var first = Enumerable.Range(0, all.Count).Select(_ => stream.Next()).ToList();
        var second = Enumerable.Range(0, all.Count).Select(_ => stream.Next()).ToList();

        Assert.All(first, w => Assert.Equal(0, w.Epoch));
        Assert.All(second, w => Assert.Equal(1, w.Epoch));
        Assert.Equal(Enumerable.Range(0, all.Count).Select(i => (long)i), first.Select(w => w.Index));
        Assert.Equal(all.Order(), first.Select(w => (w.Window.RecordName, w.Window.Start)).Order());
        Assert.Equal(all.Order(), second.Select(w => (w.Window.RecordName, w.Window.Start)).Order());
        Assert.NotEqual(all, first.Select(w => (w.Window.RecordName, w.Window.Start)));
        Assert.NotEqual(first.Select(w => w.Window.Start), second.Select(w => w.Window.Start));
    }

    [Fact]
    public void Constructor_FromAPosition_ContinuesExactlyWhereAnUninterruptedStreamWould()
    {
        using var uninterrupted = new TrainingWindowStream(s_corpus, seed: 5, shuffleBufferWindows: 3, new DataPosition(0, 0));
        var expected = Enumerable.Range(0, 60).Select(_ => uninterrupted.Next()).ToList();
        var position = new TrainingWindowStream(s_corpus, 5, 3, new DataPosition(0, 0));
        for (int i = 0; i < 37; i++)
        {
            position.Next();
        }
        var resumedAt = position.Position;
        position.Dispose();

        using var resumed = new TrainingWindowStream(s_corpus, 5, 3, resumedAt);
        var actual = Enumerable.Range(0, 23).Select(_ => resumed.Next()).ToList();

        Assert.Equal(expected.Skip(37).Select(w => (w.Window, w.Epoch, w.Index)), actual.Select(w => (w.Window, w.Epoch, w.Index)));
    }

    [Fact]
    public void Next_NoTrainingWindow_ExplainsWhy()
    {
        var everythingHeldOut = TinyTraining.Corpus(ValidationSplit.ByRecord("chr1", "chr2", "chr3"));
        using var stream = new TrainingWindowStream(everythingHeldOut, 1, 4, new DataPosition(0, 0));
        var error = Assert.Throws<InvalidOperationException>(() => stream.Next());
        Assert.Contains("no windows", error.Message, StringComparison.Ordinal);
    }

    private static readonly (string Name, string Sequence)[] s_shiftRecords =
        [("chr1", TinyTraining.RandomDna(2600, 21)), ("chr2", TinyTraining.RandomDna(250, 22)), ("chr3", TinyTraining.RandomDna(1700, 23))];

    private static PretrainingCorpus ShiftingCorpus(bool shift) => PretrainingCorpus.FromSequences("g", () => s_shiftRecords,
        ValidationSplit.ByRecord("chr3"), windowing: new WindowingOptions { WindowLength = 300, Overlap = 10, MinWindowLength = 20, ShiftEachEpoch = shift });

    private static List<List<NumberedWindow>> Epochs(PretrainingCorpus corpus, ulong seed, int epochs)
    {
        using var stream = new TrainingWindowStream(corpus, seed, shuffleBufferWindows: 4, new DataPosition(0, 0));
        var result = new List<List<NumberedWindow>>();
        var current = new List<NumberedWindow>();
        while (result.Count < epochs)
        {
            var w = stream.Next();
            if (w.Epoch != result.Count)
            {
                result.Add(current);
                current = [w];
                continue;
            }
            current.Add(w);
        }
        return result;
    }

    [Fact]
    public void ShiftEachEpoch_MovesTheGridEveryEpoch_CoversEveryBase_AndLeavesValidationAlone()
    {
        var corpus = ShiftingCorpus(shift: true);
        var epochs = Epochs(corpus, seed: 9, epochs: 4);

        // Each epoch's windows are exact substrings and together cover every base of every training record.
        foreach (var epoch in epochs)
        {
            foreach (var (name, sequence) in s_shiftRecords.Where(r => r.Name != "chr3"))
            {
                var covered = new bool[sequence.Length];
                foreach (var w in epoch.Select(n => n.Window).Where(w => w.RecordName == name))
                {
                    Assert.Equal(sequence.Substring((int)w.Start, w.Sequence.Length), w.Sequence);
                    for (long i = w.Start; i < w.End; i++)
                    {
                        covered[i] = true;
                    }
                }
                // A short record's reading frame moves by up to 5 bases: those leading bases may be left out that epoch.
                int mayMiss = sequence.Length <= 300 ? 5 : 0;
                Assert.True(covered.Skip(mayMiss).All(c => c), $"{name}: a base is not covered");
            }
        }
        // The grid (and the 6-mer reading frame) changes from epoch to epoch.
        var grids = epochs.Select(e => e.Select(n => (n.Window.RecordName, n.Window.Start)).Order().ToList()).ToList();
        Assert.True(grids.Distinct(new SequenceComparer()).Count() > 1);
        Assert.True(epochs.SelectMany(e => e).Select(n => n.Window.Start % 6).Distinct().Count() > 1);
        // Validation never moves, and training is unchanged when the option is off.
        Assert.Equal(ShiftingCorpus(shift: false).ReadWindows(CorpusPart.Validation).Select(w => w.Start), corpus.ReadWindows(CorpusPart.Validation).Select(w => w.Start));
        var unshifted = Epochs(ShiftingCorpus(shift: false), seed: 9, epochs: 2);
        Assert.Equal(unshifted[0].Select(n => n.Window.Start).Order(), unshifted[1].Select(n => n.Window.Start).Order());
    }

    [Fact]
    public void ShiftEachEpoch_IsAPureFunctionOfTheSeed_SoResumeCutsTheSameWindows()
    {
        var corpus = ShiftingCorpus(shift: true);
        var a = Epochs(corpus, seed: 4, epochs: 3).SelectMany(e => e).Select(n => (n.Window.Start, n.Window.Sequence)).ToList();
        var b = Epochs(corpus, seed: 4, epochs: 3).SelectMany(e => e).Select(n => (n.Window.Start, n.Window.Sequence)).ToList();
        var c = Epochs(corpus, seed: 5, epochs: 3).SelectMany(e => e).Select(n => (n.Window.Start, n.Window.Sequence)).ToList();
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);

        using var uninterrupted = new TrainingWindowStream(corpus, seed: 4, shuffleBufferWindows: 4, new DataPosition(0, 0));
        var expected = Enumerable.Range(0, 40).Select(_ => uninterrupted.Next()).ToList();
        using var resumed = new TrainingWindowStream(corpus, seed: 4, shuffleBufferWindows: 4, new DataPosition(expected[25].Epoch, expected[25].Index));
        var rest = Enumerable.Range(0, 14).Select(_ => resumed.Next()).ToList();
        Assert.Equal(expected.Skip(25).Take(14).Select(n => (n.Epoch, n.Index, n.Window.Start, n.Window.Sequence)),
            rest.Select(n => (n.Epoch, n.Index, n.Window.Start, n.Window.Sequence)));
    }

    private sealed class SequenceComparer : IEqualityComparer<List<(string, long)>>
    {
        public bool Equals(List<(string, long)>? x, List<(string, long)>? y) => x!.SequenceEqual(y!);

        public int GetHashCode(List<(string, long)> obj) => obj.Count;
    }
}
