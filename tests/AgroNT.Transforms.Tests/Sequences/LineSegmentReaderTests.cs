using System.Text;
using AgroNT.Transforms.Sequences;

namespace AgroNT.Transforms.Tests.Sequences;

public sealed class LineSegmentReaderTests
{
    [Theory]
    [InlineData("", new string[0])]
    [InlineData("\n", new[] { "" })]
    [InlineData("A\nB\n", new[] { "A", "B" })]
    [InlineData("A\n\nB", new[] { "A", "", "B" })]
    [InlineData("A\r\nB\r\n", new[] { "A", "B" })]
    [InlineData("A\rB\n", new[] { "A\rB" })]
    [InlineData("A\r", new[] { "A" })]
    [InlineData("A\r\r\n", new[] { "A\r" })]
    [InlineData("  x  \n", new[] { "  x  " })]
    public void ReadLine_LineEndings_SplitsAtLfAndDropsTheCrBeforeIt(string text, string[] expected)
    {
        Assert.Equal(expected, ReadAllLines(new LineSegmentReader(new StringReader(text))));
    }

    [Fact]
    public void MoveNext_RandomTextWithTinyBuffer_SegmentsRebuildEveryLine()
    {
        var random = new Random(7);
        const string Alphabet = "ACGTacgtN \t\r>";
        for (int trial = 0; trial < 300; trial++)
        {
            var text = new StringBuilder();
            int length = random.Next(0, 200);
            for (int i = 0; i < length; i++)
            {
                text.Append(random.Next(8) == 0 ? '\n' : Alphabet[random.Next(Alphabet.Length)]);
            }
            string input = text.ToString();
            var reader = new LineSegmentReader(new StringReader(input), bufferLength: 2 + random.Next(10));

            Assert.Equal(ExpectedLines(input), ReadAllLines(reader));
        }
    }

    [Fact]
    public void MoveNext_LineLongerThanBuffer_CutSegmentsEndWithTextAndLineNumbersHold()
    {
        string input = "ACGT  ACGT ACGT\t\tAC  \nGG\n";
        var reader = new LineSegmentReader(new StringReader(input), bufferLength: 6);
        var segments = new List<(string Text, long Line, bool Start, bool End)>();
        while (reader.MoveNext())
        {
            segments.Add((new string(reader.Segment), reader.LineNumber, reader.IsLineStart, reader.IsLineEnd));
        }

        Assert.All(segments.Where(s => !s.End), s => Assert.False(char.IsWhiteSpace(s.Text[^1])));
        Assert.Equal("ACGT  ACGT ACGT\t\tAC  ", string.Concat(segments.Where(s => s.Line == 1).Select(s => s.Text)));
        Assert.True(segments[0].Start);
        Assert.Equal(("GG", 2L, true, true), segments[^1]);
        Assert.Single(segments, s => s.Line == 1 && s.Start);
        Assert.Single(segments, s => s.Line == 1 && s.End);
    }

    [Fact]
    public void MoveNext_MegabaseSingleLine_BufferDoesNotGrow()
    {
        string line = new string('A', 1_000_000);
        var reader = new LineSegmentReader(new StringReader(">x\n" + line + "\n"), bufferLength: 4096);
        long letters = 0;
        while (reader.MoveNext())
        {
            if (reader.LineNumber == 2)
            {
                letters += reader.Segment.Length;
            }
        }

        Assert.Equal(1_000_000, letters);
        Assert.Equal(4096, reader.BufferLength);
    }

    [Fact]
    public void MoveNext_WhitespaceRunLongerThanBuffer_GrowsAndKeepsTheRun()
    {
        string input = "AC" + new string(' ', 50) + "GT\n";
        var reader = new LineSegmentReader(new StringReader(input), bufferLength: 8);

        Assert.Equal(new[] { input[..^1] }, ReadAllLines(reader));
        Assert.True(reader.BufferLength > 8);
    }

    [Fact]
    public void ReadLine_AfterTheEnd_ReturnsNullAgain()
    {
        var reader = new LineSegmentReader(new StringReader("A"));

        Assert.Equal("A", reader.ReadLine());
        Assert.Null(reader.ReadLine());
        Assert.Null(reader.ReadLine());
        Assert.Equal(1, reader.LineNumber);
    }

    private static List<string> ReadAllLines(LineSegmentReader reader)
    {
        var lines = new List<string>();
        var current = new StringBuilder();
        long expectedLine = 1;
        while (reader.MoveNext())
        {
            Assert.Equal(expectedLine, reader.LineNumber);
            if (reader.IsLineStart)
            {
                Assert.Equal(0, current.Length);
            }
            current.Append(reader.Segment);
            if (reader.IsLineEnd)
            {
                lines.Add(current.ToString());
                current.Clear();
                expectedLine++;
            }
        }
        return lines;
    }

    private static List<string> ExpectedLines(string input)
    {
        var lines = input.Split('\n').ToList();
        if (lines[^1].Length == 0)
        {
            lines.RemoveAt(lines.Count - 1);
        }
        return lines.Select(line => line.EndsWith('\r') ? line[..^1] : line).ToList();
    }
}
