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
}
