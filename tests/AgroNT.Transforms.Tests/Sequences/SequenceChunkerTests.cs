using System.Text;
using AgroNT.Transforms.Sequences;

namespace AgroNT.Transforms.Tests.Sequences;

public sealed class SequenceChunkerTests
{
    [Fact]
    public void ReadChunks_ManyChunkAndOverlapSizes_ChunksAreDnaWindowsAndRebuildTheRecords()
    {
        var random = new Random(5);
        string[] sequences = [.. Enumerable.Range(0, 6).Select(i => RandomDna(random, i == 0 ? 0 : random.Next(1, 400)))];
        string fasta = string.Concat(sequences.Select((s, i) => $">r{i}\n{Wrap(s, 1 + random.Next(80))}\n"));

        foreach (int chunkLength in new[] { 1, 2, 3, 7, 10, 64, 399, 400, 401 })
        {
            foreach (int overlap in new[] { 0, 1, chunkLength / 2, chunkLength - 1 }.Where(o => o >= 0 && o < chunkLength).Distinct())
            {
                var chunks = SequenceReader.ReadChunks(new StringReader(fasta), SequenceFileFormat.Fasta, chunkLength, overlap).ToList();

                for (int i = 0; i < sequences.Length; i++)
                {
                    var ofRecord = chunks.Where(c => c.RecordIndex == i).ToList();
                    var windows = Dna.Windows(sequences[i].Length, chunkLength, chunkLength - overlap).ToList();
                    Assert.Equal(windows, ofRecord.Select(c => ((int)c.Start, c.Sequence.Length)));
                    Assert.All(ofRecord, c => Assert.Equal(sequences[i].Substring((int)c.Start, c.Sequence.Length), c.Sequence));
                    Assert.All(ofRecord, c => Assert.Equal($"r{i}", c.RecordName));
                    Assert.Equal(ofRecord.Count - 1, ofRecord.FindIndex(c => c.IsLastInRecord));
                    Assert.Single(ofRecord, c => c.IsLastInRecord);
                    Assert.Equal(sequences[i], Rebuild(ofRecord));
                }
                Assert.Equal(sequences.Length, chunks.Select(c => c.RecordIndex).Distinct().Count());
            }
        }
    }

    [Fact]
    public void ReadChunks_ChloroplastGenome_RebuildsTheWholeRecordExactly()
    {
        string path = Path.Combine(AgroNT.Tests.Common.SharedData.Data, "arabidopsis_chloroplast_NC_000932.fa");
        string genome = SequenceReader.ReadFile(path).Single().Sequence;

        var chunks = SequenceReader.ReadChunks(path, 6200, 200).ToList();

        Assert.Equal(Rebuild(chunks), genome);
        Assert.All(chunks, c => Assert.Equal(6200, c.Sequence.Length));
        Assert.Equal(154_478 - 6200, chunks[^1].Start);
        Assert.All(chunks, c => Assert.Equal("NC_000932.1", c.RecordName));
    }

    [Fact]
    public void ReadChunks_TwentyMegabasesOnOneLine_StreamsWithBoundedBuffers()
    {
        const long Length = 20_000_000;
        const int ChunkLength = 6200;
        const int Overlap = 200;
        var chunker = new SequenceChunker(ChunkLength, Overlap);
        var scanner = new FastaScanner(new GeneratedFastaReader(Length), "generated.fa");
        Assert.True(scanner.MoveToNextRecord());
        chunker.BeginRecord(scanner.Name, 0);
        long expectedStart = 0;
        int regularChunks = 0;

        while (scanner.ReadSequenceSegment())
        {
            for (int consumed = 0; consumed < scanner.Text.Length;)
            {
                consumed += chunker.Append(scanner.Text[consumed..]);
                while (chunker.TryTakeChunk(out SequenceChunk? chunk))
                {
                    Assert.Equal(expectedStart, chunk.Start);
                    Assert.Equal(GeneratedFastaReader.LetterAt(chunk.Start + 4321), chunk.Sequence[4321]);
                    Assert.Equal(ChunkLength, chunk.Sequence.Length);
                    regularChunks++;
                    expectedStart += ChunkLength - Overlap;
                }
            }
        }
        SequenceChunk last = chunker.CompleteRecord();

        Assert.Equal(Length - ChunkLength, last.Start);
        Assert.Equal(GeneratedFastaReader.LetterAt(Length - 1), last.Sequence[^1]);
        Assert.Equal(Dna.Windows((int)Length, ChunkLength, ChunkLength - Overlap).Count() - 1, regularChunks);
        Assert.True(chunker.BufferLength <= ChunkLength + (1 << 16), $"chunk buffer grew to {chunker.BufferLength}");
        Assert.False(scanner.MoveToNextRecord());
    }

    [Fact]
    public void ReadChunks_EmptyAndShortRecords_OneChunkEach()
    {
        var chunks = SequenceReader.ReadChunks(new StringReader(">empty\n>short\nACG\n>exact\nACGT\n"), SequenceFileFormat.Fasta, 4, 1).ToList();

        Assert.Equal(
            [("empty", 0L, "", 0L, true), ("short", 0L, "ACG", 1L, true), ("exact", 0L, "ACGT", 2L, true)],
            chunks.Select(c => (c.RecordName, c.Start, c.Sequence, c.RecordIndex, c.IsLastInRecord)));
    }

    [Fact]
    public void ReadChunks_Fastq_ChunksEachRead()
    {
        var chunks = SequenceReader.ReadChunks(new StringReader("@r1\nACGTACG\n+\nIIIIIII\n@r2\nTT\n+\nII\n"), SequenceFileFormat.Fastq, 4, 2).ToList();

        Assert.Equal(
            [("r1", 0L, "ACGT"), ("r1", 2L, "GTAC"), ("r1", 3L, "TACG"), ("r2", 0L, "TT")],
            chunks.Select(c => (c.RecordName, c.Start, c.Sequence)));
    }

    [Fact]
    public void ReadChunks_MalformedLaterRecord_EarlierChunksAreYieldedFirst()
    {
        using IEnumerator<SequenceChunk> chunks = SequenceReader
            .ReadChunks(new StringReader("@a\nACGTACGT\n+\nIIIIIIII\nbroken\n"), SequenceFileFormat.Fastq, 4, 0)
            .GetEnumerator();

        Assert.True(chunks.MoveNext());
        Assert.Equal(("ACGT", false), (chunks.Current.Sequence, chunks.Current.IsLastInRecord));
        Assert.True(chunks.MoveNext());
        Assert.Equal(("ACGT", true), (chunks.Current.Sequence, chunks.Current.IsLastInRecord));
        Assert.Equal(5, Assert.Throws<SequenceFormatException>(() => chunks.MoveNext()).LineNumber);
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(-5, 0)]
    [InlineData(10, 10)]
    [InlineData(10, -1)]
    [InlineData(SequenceChunker.MaxChunkLength + 1, 0)]
    public void ReadChunks_InvalidSizes_ThrowAtOnce(int chunkLength, int overlap)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => SequenceReader.ReadChunks(new StringReader(""), SequenceFileFormat.Fasta, chunkLength, overlap));
        Assert.Throws<ArgumentOutOfRangeException>(() => SequenceReader.ReadChunks("missing.fa", chunkLength, overlap));
    }

    [Fact]
    public void Append_ChunksNotTaken_RefusesToDropThem()
    {
        var chunker = new SequenceChunker(4, 3);
        chunker.BeginRecord("x", 0);
        string text = new string('A', 1 << 17);

        int taken = chunker.Append(text);
        while (taken < text.Length && chunker.BufferLength < 4 + (1 << 16))
        {
            taken += chunker.Append(text.AsSpan(taken));
        }

        Assert.Throws<InvalidOperationException>(() => chunker.Append(text.AsSpan(taken)));
    }

    private static string Rebuild(IEnumerable<SequenceChunk> chunks)
    {
        var sequence = new StringBuilder();
        foreach (SequenceChunk chunk in chunks)
        {
            Assert.True(chunk.Start <= sequence.Length, "chunks leave no gap");
            Assert.Equal(sequence.ToString((int)chunk.Start, sequence.Length - (int)chunk.Start), chunk.Sequence[..(sequence.Length - (int)chunk.Start)]);
            sequence.Append(chunk.Sequence.AsSpan(sequence.Length - (int)chunk.Start));
        }
        return sequence.ToString();
    }

    private static string RandomDna(Random random, int length) =>
        string.Concat(Enumerable.Range(0, length).Select(_ => "ACGTacgtN"[random.Next(9)]));

    private static string Wrap(string sequence, int width) =>
        string.Join("\n", sequence.Chunk(width).Select(line => new string(line)));

    /// <summary>A FASTA file of one record, its sequence on a single line, generated on the fly and never stored.</summary>
    private sealed class GeneratedFastaReader(long length) : TextReader
    {
        private const string Header = ">chr generated\n";
        private long _position = -Header.Length;

        public static char LetterAt(long position) => "ACGT"[(int)((position * 2654435761L >> 7) & 3)];

        public override int Read(char[] buffer, int index, int count) => Read(buffer.AsSpan(index, count));

        public override int Read(Span<char> buffer)
        {
            int written = 0;
            while (written < buffer.Length && _position < length + 1)
            {
                buffer[written++] = _position < 0 ? Header[(int)(_position + Header.Length)]
                    : _position == length ? '\n'
                    : LetterAt(_position);
                _position++;
            }
            return written;
        }
    }
}
