using AgroNT.Transforms.Sequences;

namespace AgroNT.Transforms.Tests.Sequences;

public sealed class DnaTests
{
    [Theory]
    [InlineData("", "")]
    [InlineData("A", "T")]
    [InlineData("ACGT", "ACGT")]
    [InlineData("AACCGGTTN", "NAACCGGTT")]
    [InlineData("acgtn", "nacgt")]
    [InlineData("AcGt", "aCgT")]
    [InlineData("RYKMSWBVDH", "DHBVWSKMRY")]
    [InlineData("rykmswbvdh", "dhbvwskmry")]
    [InlineData("UUu", "aAA")]
    public void ReverseComplement_Letters_ComplementsReversesAndKeepsCase(string sequence, string expected)
    {
        Assert.Equal(expected, Dna.ReverseComplement(sequence));
    }

    [Fact]
    public void ReverseComplement_Twice_IsIdentityForEveryAcceptedLetterButU()
    {
        var random = new Random(11);
        const string Letters = "ACGTNRYKMSWBVDHacgtnrykmswbvdh";
        for (int trial = 0; trial < 200; trial++)
        {
            string sequence = string.Concat(Enumerable.Range(0, random.Next(0, 300)).Select(_ => Letters[random.Next(Letters.Length)]));

            Assert.Equal(sequence, Dna.ReverseComplement(Dna.ReverseComplement(sequence)));
        }
    }

    [Fact]
    public void ReverseComplement_ChloroplastInvertedRepeats_IraIsTheReverseComplementOfIrb()
    {
        // The data README: IRb is at 84,171-110,434 and IRa at 128,215-154,478 (1-based, inclusive).
        string genome = SequenceReader.ReadFile(Path.Combine(AgroNT.Tests.Common.SharedData.Data, "arabidopsis_chloroplast_NC_000932.fa")).Single().Sequence;

        string irb = genome[84_170..110_434];
        string ira = genome[128_214..154_478];

        Assert.Equal(26_264, irb.Length);
        Assert.Equal(ira, Dna.ReverseComplement(irb));
    }

    [Theory]
    [InlineData("ACGTX", 'X', 4)]
    [InlineData("-ACGT", '-', 0)]
    [InlineData("AC GT", ' ', 2)]
    public void ReverseComplement_UnknownCharacter_ThrowsNamingCharacterAndPosition(string sequence, char bad, int position)
    {
        var exception = Assert.Throws<ArgumentException>(() => Dna.ReverseComplement(sequence));

        Assert.Contains($"U+{(int)bad:X4}", exception.Message);
        Assert.Contains($"position {position} (0-based)", exception.Message);
        Assert.Equal("sequence", exception.ParamName);
    }

    [Fact]
    public void ReverseComplement_SpanToSpan_WritesIntoTheDestinationPrefix()
    {
        char[] destination = "zzzzzz".ToCharArray();

        Dna.ReverseComplement("AACG", destination);

        Assert.Equal("CGTTzz", new string(destination));
    }

    [Theory]
    [InlineData("ACGTT")]
    [InlineData("ACGT")]
    [InlineData("")]
    public void ReverseComplement_SameSpan_WorksInPlace(string sequence)
    {
        char[] buffer = sequence.ToCharArray();

        Dna.ReverseComplement(buffer, buffer);

        Assert.Equal(Dna.ReverseComplement(sequence), new string(buffer));
    }

    [Fact]
    public void ReverseComplement_DestinationTooShort_Throws()
    {
        var exception = Assert.Throws<ArgumentException>(() => Dna.ReverseComplement("ACGT", new char[3]));

        Assert.Equal("destination", exception.ParamName);
    }

    [Fact]
    public void ReverseComplement_PartlyOverlappingDestination_Throws()
    {
        char[] buffer = "ACGTACGT".ToCharArray();

        Assert.Throws<ArgumentException>(() => Dna.ReverseComplement(buffer.AsSpan(0, 4), buffer.AsSpan(2, 4)));
    }

    [Theory]
    [InlineData(10, 4, 4, new[] { 0, 4, 6 })]
    [InlineData(12, 4, 4, new[] { 0, 4, 8 })]
    [InlineData(10, 4, 3, new[] { 0, 3, 6 })]
    [InlineData(11, 4, 3, new[] { 0, 3, 6, 7 })]
    [InlineData(5, 4, 1, new[] { 0, 1 })]
    [InlineData(4, 4, 2, new[] { 0 })]
    public void Windows_Lengths_FullWindowsWithTheLastEndingAtTheEnd(int length, int window, int stride, int[] starts)
    {
        var windows = Dna.Windows(length, window, stride).ToList();

        Assert.Equal(starts, windows.Select(w => w.Start));
        Assert.All(windows, w => Assert.Equal(window, w.Length));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(999)]
    public void Windows_SequenceShorterThanWindow_OneWindowOfTheWholeSequence(int length)
    {
        Assert.Equal([(0, length)], Dna.Windows(length, 1000, 100));
    }

    [Fact]
    public void Windows_ManySizes_CoverEverythingInOrderWithAtLeastTheRequestedOverlap()
    {
        for (int length = 0; length <= 60; length++)
        {
            for (int window = 1; window <= 12; window++)
            {
                for (int stride = 1; stride <= window; stride++)
                {
                    var windows = Dna.Windows(length, window, stride).ToList();

                    Assert.Equal(0, windows[0].Start);
                    Assert.Equal(length, windows[^1].Start + windows[^1].Length);
                    Assert.All(windows, w => Assert.Equal(Math.Min(window, length), w.Length));
                    for (int i = 1; i < windows.Count; i++)
                    {
                        int step = windows[i].Start - windows[i - 1].Start;
                        Assert.InRange(step, 1, stride);
                        Assert.True(step == stride || i == windows.Count - 1, "only the last window may be shifted");
                    }
                }
            }
        }
    }

    [Fact]
    public void Windows_NearIntMaxValue_DoesNotOverflow()
    {
        var windows = Dna.Windows(int.MaxValue, 1 << 30, 1 << 29).ToList();

        Assert.Equal([(0, 1 << 30), (1 << 29, 1 << 30), (int.MaxValue - (1 << 30), 1 << 30)], windows);
    }

    [Theory]
    [InlineData(-1, 4, 2)]
    [InlineData(10, 0, 1)]
    [InlineData(10, 4, 0)]
    [InlineData(10, 4, 5)]
    public void Windows_InvalidArguments_ThrowAtOnce(int length, int window, int stride)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Dna.Windows(length, window, stride));
    }
}
