using AgroNT.MLNet.Training;
using AgroNT.Transforms.Tokenization;

namespace AgroNT.MLNet.Tests.Training;

public sealed class MlmMaskerTests
{
    private static readonly KmerVocabulary s_vocabulary = KmerVocabulary.FromTokens(AgroNTVocabulary.Tokens());

    [Fact]
    public void Apply_ManyTokens_SelectsFifteenPercentAndSplitsThemEightyTenTen()
    {
        var masker = new MlmMasker(s_vocabulary);
        var random = new Random(3);
        long real = 0, selected = 0, masked = 0, replaced = 0, unchanged = 0;
        for (int sequence = 0; sequence < 2000; sequence++)
        {
            int[] ids = SequenceWithPadding(random, realTokens: 100, padding: 20);
            var input = new int[ids.Length];
            var labels = new int[ids.Length];
            int count = masker.Apply(ids, input, labels, seed: 11, stream: 0, index: sequence);
            Assert.Equal(count, labels.Count(l => l != MlmMasker.IgnoredLabel));
            for (int i = 0; i < ids.Length; i++)
            {
                if (labels[i] == MlmMasker.IgnoredLabel)
                {
                    Assert.Equal(ids[i], input[i]);
                    continue;
                }
                Assert.Equal(ids[i], labels[i]);
                if (input[i] == s_vocabulary.MaskId)
                {
                    masked++;
                }
                else if (input[i] == ids[i])
                {
                    unchanged++;
                }
                else
                {
                    Assert.False(s_vocabulary.IsSpecialId(input[i]), $"random replacement {input[i]} is a special token");
                    replaced++;
                }
            }
            real += 100;
            selected += count;
        }
        Assert.InRange(selected / (double)real, 0.145, 0.155);
        Assert.InRange(masked / (double)selected, 0.79, 0.81);
        Assert.InRange(replaced / (double)selected, 0.09, 0.11);
        Assert.InRange(unchanged / (double)selected, 0.09, 0.11);
    }

    [Fact]
    public void Apply_NeverSelectsClsPadOrOtherSpecialTokens()
    {
        var masker = new MlmMasker(s_vocabulary, new MaskingOptions { SelectionProbability = 1.0 });
        int[] ids = [s_vocabulary.ClsId, 10, 20, s_vocabulary.MaskId, s_vocabulary.UnkId, 30, s_vocabulary.PadId, s_vocabulary.PadId];
        var input = new int[ids.Length];
        var labels = new int[ids.Length];

        int count = masker.Apply(ids, input, labels, seed: 1, stream: 0, index: 0);

        Assert.Equal(3, count);
        Assert.Equal([MlmMasker.IgnoredLabel, 10, 20, MlmMasker.IgnoredLabel, MlmMasker.IgnoredLabel, 30, MlmMasker.IgnoredLabel, MlmMasker.IgnoredLabel], labels);
        Assert.Equal(s_vocabulary.ClsId, input[0]);
        Assert.Equal(s_vocabulary.PadId, input[6]);
    }

    [Fact]
    public void Apply_SameSeedAndCounters_SameMask_OtherIndex_OtherMask()
    {
        var masker = new MlmMasker(s_vocabulary);
        int[] ids = SequenceWithPadding(new Random(5), 500, 0);
        (int[] Input, int[] Labels) Mask(ulong seed, long stream, long index)
        {
            var input = new int[ids.Length];
            var labels = new int[ids.Length];
            masker.Apply(ids, input, labels, seed, stream, index);
            return (input, labels);
        }

        var first = Mask(9, 2, 40);
        Assert.Equal(first.Input, Mask(9, 2, 40).Input);
        Assert.Equal(first.Labels, Mask(9, 2, 40).Labels);
        Assert.NotEqual(first.Labels, Mask(9, 2, 41).Labels);
        Assert.NotEqual(first.Labels, Mask(9, 3, 40).Labels);
        Assert.NotEqual(first.Labels, Mask(10, 2, 40).Labels);
    }

    [Theory]
    [InlineData(-0.1, 0.8, 0.1)]
    [InlineData(0.15, 1.2, 0.1)]
    [InlineData(0.15, 0.8, 0.3)]
    public void MaskingOptions_OutOfRange_Throws(double select, double mask, double random) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new MlmMasker(s_vocabulary,
            new MaskingOptions { SelectionProbability = select, MaskTokenFraction = mask, RandomTokenFraction = random }));

    private static int[] SequenceWithPadding(Random random, int realTokens, int padding)
    {
        var ids = new int[1 + realTokens + padding];
        ids[0] = s_vocabulary.ClsId;
        for (int i = 1; i <= realTokens; i++)
        {
            ids[i] = random.Next(4, s_vocabulary.Count);
        }
        Array.Fill(ids, s_vocabulary.PadId, 1 + realTokens, padding);
        return ids;
    }
}
