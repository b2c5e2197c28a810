using System.Globalization;
using System.Text;
using AgroNT.Transforms.Sequences;

namespace AgroNT.Fuzz.Targets;

/// <summary>
/// <see cref="SequenceReader"/> on FASTA, FASTQ and .txt files, plain and gzip: real FASTA files (and FASTQ and .txt
/// built from real DNA) mutated byte by byte, compressed, and sometimes corrupted after compression; and valid files
/// written from random records, which must read back exactly.
/// </summary>
/// <remarks>
/// Invariants: only <see cref="SequenceFormatException"/> escapes while reading, naming the file and a line from 1; a
/// gzip file reads exactly as its content does uncompressed; <see cref="SequenceReader.ReadChunks(string, int, int)"/>
/// agrees with <see cref="SequenceReader.ReadFile"/> (both refuse, or the chunks tile every record as documented);
/// valid FASTA/FASTQ/.txt written here round-trips (names, descriptions, sequences, qualities, line numbers).
/// </remarks>
internal sealed class ReaderTarget(Workspace workspace) : FuzzTarget
{
    private const string SequenceLetters = "ACGTACGTACGTNacgtnRYKMSWBDHVU-*.";

    public override string Name => TargetNames.Readers;

    public override FuzzCase Generate(Random random)
    {
        var log = new List<string>();
        var format = (SequenceFileFormat)random.Next(3);
        if (random.Next(4) == 0)
        {
            List<SequenceRecord> records = RandomRecords(random, format);
            byte[] valid = Write(random, records, format, log);
            bool gzipValid = random.Next(3) == 0;
            return new ReaderCase(format, valid, gzipValid ? Mutations.Gzip(random, valid, log) : null, gzipValid, records, log);
        }

        byte[] seed = Seed(random, format, log);
        byte[] donor = Seed(random, (SequenceFileFormat)random.Next(3), []);
        byte[] plain = random.Next(8) == 0 ? seed : Mutations.Mutate(random, seed, log, donor: donor);
        if (random.Next(10) < 6)
        {
            return new ReaderCase(format, plain, null, false, null, log);
        }
        byte[] gzip = Mutations.Gzip(random, plain, log, out List<(int Compressed, int Plain)> members);
        if (random.Next(2) == 0)
        {
            return new ReaderCase(format, plain, gzip, true, null, log);
        }
        byte[] intact = gzip;
        gzip = Mutations.DamageGzip(random, gzip, members, log, out int? prefix);
        if (gzip is not [0x1F, 0x8B, ..])
        {
            // No longer gzip at all: the reader rightly takes it as plain text.
            return new ReaderCase(format, gzip, null, false, null, log);
        }
        if (prefix is { } p)
        {
            return new ReaderCase(format, plain[..p], gzip, true, null, log); // cut between members: a valid, shorter file
        }
        if (Mutations.WholeMembers(gzip, intact, plain, members) is { } other)
        {
            // Whole members of the original, dropped, repeated or reordered: valid gzip of other content.
            log.Add("still whole members of the original");
            return new ReaderCase(format, other, gzip, true, null, log);
        }
        return new ReaderCase(format, plain, gzip, false, null, log);
    }

    public override string Run(FuzzCase input)
    {
        var c = (ReaderCase)input;
        string extension = c.Format switch
        {
            SequenceFileFormat.Fasta => ".fa",
            SequenceFileFormat.Fastq => ".fastq",
            _ => ".txt",
        };
        string path = workspace.PathFor("input" + extension + (c.Gzip is null ? string.Empty : ".gz"));
        File.WriteAllBytes(path, c.Gzip ?? c.Plain);

        (List<SequenceRecord>? records, SequenceFormatException? error) = ReadAll(() => SequenceReader.ReadFile(path).ToList(), path);
        bool plainLooksGzip = c.Plain is [0x1F, 0x8B, ..];
        if ((c.Gzip is null && !plainLooksGzip) || c.GzipIntact)
        {
            // What the bytes say, read from memory without a file or gzip: the file must read the same.
            (List<SequenceRecord>? expected, SequenceFormatException? expectedError) = ReadAll(
                () => SequenceReader.Read(new StreamReader(new MemoryStream(c.Plain), Encoding.UTF8, true), c.Format, path).ToList(), path);
            Check((error is null) == (expectedError is null),
                $"ReadFile {(error is null ? "accepted" : "refused")} the file but Read of the same bytes {(expectedError is null ? "accepted" : "refused")} them: {error?.Message ?? expectedError?.Message}");
            if (records is not null)
            {
                InvariantViolation.Equal(expected!, records, "ReadFile vs Read of the uncompressed bytes");
            }
            else
            {
                Check(error!.LineNumber == expectedError!.LineNumber, $"ReadFile refused at line {error.LineNumber}, Read of the same bytes at line {expectedError.LineNumber}");
            }
        }
        else if (records is not null && c.Gzip is not null)
        {
            // A damaged gzip file may only read if the damage missed the data (e.g. a header flag): then it reads in full.
            (List<SequenceRecord>? expected, _) = ReadAll(
                () => SequenceReader.Read(new StreamReader(new MemoryStream(c.Plain), Encoding.UTF8, true), c.Format, path).ToList(), path);
            Check(expected is not null && expected.SequenceEqual(records),
                $"a damaged gzip file read without error as {records.Count} records, not the {expected?.Count.ToString(CultureInfo.InvariantCulture) ?? "(unreadable)"} its content holds: silent data loss");
        }

        if (c.Written is not null)
        {
            Check(records is not null, $"valid {c.Format} written by the harness was refused: {error?.Message}");
            CheckRoundTrip(c.Written, records!, c.Format);
        }

        CheckChunks(path, records, error, new Random(c.Plain.Length));
        return records is null ? "SequenceFormatException" : records.Count == 0 ? "ok: no records" : "ok";
    }

    private static (List<SequenceRecord>? Records, SequenceFormatException? Error) ReadAll(Func<List<SequenceRecord>> read, string path)
    {
        try
        {
            return (read(), null);
        }
        catch (SequenceFormatException e)
        {
            Check(e.LineNumber >= 1 && e.SourceName == path && e.Message.Length > 0, $"SequenceFormatException without a source or line: '{e.SourceName}' line {e.LineNumber}");
            return (null, e);
        }
    }

    /// <summary>The chunks tile every record: starts every stride, the last ending at the record's end, text equal.</summary>
    private static void CheckChunks(string path, List<SequenceRecord>? records, SequenceFormatException? error, Random random)
    {
        int chunkLength = random.Next(3) == 0 ? random.Next(1, 5) : random.Next(1, 400);
        int overlap = random.Next(chunkLength);
        List<SequenceChunk> chunks;
        try
        {
            chunks = [.. SequenceReader.ReadChunks(path, chunkLength, overlap)];
        }
        catch (SequenceFormatException e)
        {
            Check(records is null, $"ReadChunks refused a file ReadFile reads: {e.Message}");
            return;
        }
        Check(records is not null, $"ReadChunks read a file ReadFile refuses: {error?.Message}");
        int stride = chunkLength - overlap;
        int next = 0;
        for (int r = 0; r < records!.Count; r++)
        {
            string sequence = records[r].Sequence;
            int count = sequence.Length <= chunkLength ? 1 : ((sequence.Length - chunkLength + stride - 1) / stride) + 1;
            for (int k = 0; k < count; k++, next++)
            {
                Check(next < chunks.Count, $"ReadChunks({chunkLength}, {overlap}): ran out of chunks in record {r}");
                SequenceChunk chunk = chunks[next];
                long start = k == count - 1 ? Math.Max(0, sequence.Length - chunkLength) : (long)k * stride;
                int length = Math.Min(chunkLength, sequence.Length);
                Check(chunk.RecordName == records[r].Name && chunk.RecordIndex == r && chunk.Start == start && chunk.IsLastInRecord == (k == count - 1)
                    && chunk.Sequence == sequence.Substring((int)start, length),
                    $"ReadChunks({chunkLength}, {overlap}): chunk {k} of record {r} is ({chunk.RecordName}, #{chunk.RecordIndex}, start {chunk.Start}, {chunk.Sequence.Length} letters, last {chunk.IsLastInRecord}), expected start {start}, {length} letters");
            }
        }
        Check(next == chunks.Count, $"ReadChunks({chunkLength}, {overlap}): {chunks.Count - next} chunks beyond the records");
    }

    private static void CheckRoundTrip(List<SequenceRecord> written, List<SequenceRecord> read, SequenceFileFormat format)
    {
        Check(written.Count == read.Count, $"round trip ({format}): wrote {written.Count} records, read {read.Count}");
        for (int i = 0; i < written.Count; i++)
        {
            SequenceRecord w = written[i];
            SequenceRecord r = read[i];
            Check(w.Name == r.Name && w.Description == r.Description && w.Sequence == r.Sequence && w.Quality == r.Quality && w.LineNumber == r.LineNumber,
                $"round trip ({format}): record {i} wrote {w} and read {r}");
        }
    }

    private static List<SequenceRecord> RandomRecords(Random random, SequenceFileFormat format)
    {
        var records = new List<SequenceRecord>();
        int count = random.Next(5) == 0 ? random.Next(0, 2) : random.Next(1, 12);
        for (int i = 0; i < count; i++)
        {
            int length = random.Next(4) == 0 ? random.Next(0, 3) : random.Next(0, 500);
            if (format == SequenceFileFormat.Fastq && length == 0)
            {
                length = 1; // An empty FASTQ sequence line would read as a blank line between records.
            }
            string sequence = random.Next(2) == 0
                ? Corpus.Shared.Slice(random, length)
                : new string([.. Enumerable.Range(0, length).Select(_ => SequenceLetters[random.Next(SequenceLetters.Length)])]);
            if (format == SequenceFileFormat.PlainText)
            {
                records.Add(new SequenceRecord($"line{i + 1}", string.Empty, random.Next(6) == 0 ? sequence.Replace('A', ' ') : sequence, i + 1));
                continue;
            }
            string name = random.Next(10) == 0 ? string.Empty : $"seq{i}" + (random.Next(3) == 0 ? "|1" : string.Empty);
            string description = name.Length == 0 || random.Next(2) == 0 ? string.Empty : $"chr{random.Next(5)}:{random.Next(1000)}-{random.Next(1000)}  strand=+";
            string? quality = format == SequenceFileFormat.Fastq
                ? new string([.. Enumerable.Range(0, sequence.Length).Select(_ => (char)random.Next('!', '~' + 1))])
                : null;
            records.Add(new SequenceRecord(name, description, sequence, 0, quality));
        }
        return records;
    }

    /// <summary>Writes records as the format's files look in the wild (wrapped lines, CRLF, blank lines); fills in line numbers.</summary>
    private static byte[] Write(Random random, List<SequenceRecord> records, SequenceFileFormat format, List<string> log)
    {
        string newline = random.Next(4) == 0 ? "\r\n" : "\n";
        var text = new StringBuilder();
        long line = 1;
        int width = random.Next(2) == 0 ? 60 : random.Next(1, 120);
        log.Add(string.Create(CultureInfo.InvariantCulture, $"valid {format}, {records.Count} records, width {width}, newline {(newline == "\n" ? "LF" : "CRLF")}"));
        for (int i = 0; i < records.Count; i++)
        {
            SequenceRecord r = records[i];
            if (format == SequenceFileFormat.PlainText)
            {
                text.Append(r.Sequence);
                if (i < records.Count - 1 || r.Sequence.Length == 0 || random.Next(2) == 0)
                {
                    text.Append(newline);
                }
                continue;
            }
            if (random.Next(8) == 0)
            {
                text.Append(newline);
                line++;
            }
            string header = r.Description.Length == 0 ? r.Name : r.Name + " " + r.Description;
            records[i] = r with { LineNumber = line };
            if (format == SequenceFileFormat.Fastq)
            {
                text.Append('@').Append(header).Append(newline).Append(r.Sequence).Append(newline)
                    .Append('+').Append(random.Next(2) == 0 ? header : string.Empty).Append(newline).Append(r.Quality).Append(newline);
                line += 4;
                continue;
            }
            text.Append('>').Append(header).Append(newline);
            line++;
            for (int at = 0; at < r.Sequence.Length; at += width)
            {
                text.Append(r.Sequence.AsSpan(at, Math.Min(width, r.Sequence.Length - at))).Append(newline);
                line++;
            }
        }
        return Encoding.UTF8.GetBytes(text.ToString());
    }

    /// <summary>A real file's bytes to mutate: a slice of a real FASTA starting at a header, or FASTQ/.txt built from real DNA.</summary>
    private static byte[] Seed(Random random, SequenceFileFormat format, List<string> log)
    {
        if (format == SequenceFileFormat.Fasta)
        {
            (string name, byte[] bytes) = Corpus.Shared.FastaFiles[random.Next(Corpus.Shared.FastaFiles.Count)];
            int start = random.Next(bytes.Length);
            start = random.Next(3) == 0 ? 0 : Math.Max(0, bytes.AsSpan(0, start).LastIndexOf((byte)'>'));
            int length = Math.Min(bytes.Length - start, random.Next(2) == 0 ? random.Next(200) : random.Next(20_000));
            log.Add(string.Create(CultureInfo.InvariantCulture, $"{name} bytes {start}..{start + length}"));
            return bytes.AsSpan(start, length).ToArray();
        }
        var text = new StringBuilder();
        int records = random.Next(0, 8);
        for (int i = 0; i < records; i++)
        {
            string sequence = Corpus.Shared.Slice(random, random.Next(0, 150));
            if (format == SequenceFileFormat.Fastq)
            {
                string quality = new([.. sequence.Select(_ => (char)random.Next('!', 'J'))]);
                text.Append(CultureInfo.InvariantCulture, $"@read{i} run=1\n{sequence}\n+\n{quality}\n");
            }
            else
            {
                text.Append(sequence).Append('\n');
            }
        }
        log.Add(string.Create(CultureInfo.InvariantCulture, $"{records} {format} records of real DNA"));
        return Encoding.UTF8.GetBytes(text.ToString());
    }

    private static void Check(bool condition, string message) => InvariantViolation.Check(condition, message);

    private sealed class ReaderCase(SequenceFileFormat format, byte[] plain, byte[]? gzip, bool gzipIntact, List<SequenceRecord>? written, List<string> log) : FuzzCase
    {
        public SequenceFileFormat Format { get; } = format;

        /// <summary>The uncompressed bytes.</summary>
        public byte[] Plain { get; } = plain;

        /// <summary>The bytes of the file when it is gzip; null for a plain file.</summary>
        public byte[]? Gzip { get; } = gzip;

        /// <summary>Whether <see cref="Gzip"/> is an undamaged compression of <see cref="Plain"/>.</summary>
        public bool GzipIntact { get; } = gzipIntact;

        /// <summary>The records a valid file was written from; null for mutated input.</summary>
        public List<SequenceRecord>? Written { get; } = written;

        public override IEnumerable<(string FileName, byte[] Content)> Artifacts()
        {
            string extension = Format switch
            {
                SequenceFileFormat.Fasta => ".fa",
                SequenceFileFormat.Fastq => ".fastq",
                _ => ".txt",
            };
            yield return ("input" + extension, Plain);
            if (Gzip is not null)
            {
                yield return ("input" + extension + ".gz", Gzip);
            }
        }

        public override string Describe() =>
            $"{Format}{(Gzip is null ? string.Empty : GzipIntact ? " gzip" : " damaged gzip")}, {Plain.Length} bytes; {string.Join(", ", log)}; starts: {Mutations.Excerpt(Plain)}";
    }
}
