using AgroNT.Transforms.Benchmarks;

namespace AgroNT.Transforms.Tests.Benchmarks;

public sealed class KmerCountsTests
{
    [Fact]
    public void Frequencies_Dimers_CountOverlappingAndSkipOtherLetters()
    {
        // "ACGTNacg": dimers AC, CG, GT, (TN, NA skipped), AC, CG -> 5 counted.
        // Index = 4 * first + second with A0 C1 G2 T3: AC = 1, CG = 6, GT = 11.
        float[] frequencies = KmerCounts.Frequencies("ACGTNacg", 2);

        Assert.Equal(16, frequencies.Length);
        Assert.Equal(2f / 5, frequencies[1]);
        Assert.Equal(2f / 5, frequencies[6]);
        Assert.Equal(1f / 5, frequencies[11]);
        Assert.Equal(1f, frequencies.Sum(), 6);
    }

    [Fact]
    public void Frequencies_SixMers_FirstAndLastIndices()
    {
        Assert.Equal(1f, KmerCounts.Frequencies("AAAAAAA")[0]);
        Assert.Equal(1f, KmerCounts.Frequencies("TTTTTT")[4095]);
        Assert.All(KmerCounts.Frequencies("ACGTA"), f => Assert.Equal(0f, f));
        Assert.Throws<ArgumentOutOfRangeException>(() => KmerCounts.FeatureCount(13));
    }
}
