using System.Diagnostics;
using AgroNT.MLNet.EmbeddingFiles;
using AgroNT.Transforms.Embeddings;
using AgroNT.Transforms.Sequences;

namespace AgroNT.Cluster.Sharding;

/// <summary>What computing one shard produced.</summary>
/// <param name="Rows">Rows written (one per record).</param>
/// <param name="Sha256">Lowercase hex SHA-256 of the shard file.</param>
/// <param name="Seconds">Wall time spent reading, embedding and writing.</param>
public sealed record ShardOutcome(long Rows, string Sha256, double Seconds);

/// <summary>Computes one shard: reads its records, embeds them in chunks as <c>agront embed</c> does, writes its Parquet file (temporary name, then rename).</summary>
public static class ShardProcessor
{
    /// <summary>
    /// Records embedded per call, in <c>agront embed</c> too. The embedder sorts each call's records by length into
    /// batches, and a different batch shape can change the last bits of a float; shards made of whole chunks therefore
    /// reproduce a single process exactly.
    /// </summary>
    public const int RecordsPerChunk = 256;

    /// <summary>Embeds records <c>[FirstRecord, FirstRecord + RecordCount)</c> of <paramref name="inputPath"/> into <c>outputFolder/shard.File</c>.</summary>
    /// <param name="inputPath">The job's input file.</param>
    /// <param name="shard">The shard to compute.</param>
    /// <param name="outputFolder">The job's folder.</param>
    /// <param name="engine">An embedder opened from the job's spec (<see cref="EmbeddingJobSpec.OpenEmbedder"/>).</param>
    /// <param name="cancellationToken">Stops between chunks; the partial file is then deleted.</param>
    /// <returns>Rows, checksum and time.</returns>
    /// <exception cref="InvalidDataException">The input holds fewer records than the shard expects (it changed since planning).</exception>
    public static ShardOutcome Process(string inputPath, ShardEntry shard, string outputFolder, IDnaEmbedder engine, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(shard);
        ArgumentNullException.ThrowIfNull(engine);
        var clock = Stopwatch.StartNew();
        string path = Path.Combine(outputFolder, shard.File);
        using (var writer = EmbeddingFileWriter.Create(path, EmbeddingFileFormat.Parquet))
        {
            var chunk = new List<SequenceRecord>(RecordsPerChunk);
            void Flush()
            {
                var vectors = engine.Embed(chunk.Select(r => r.Sequence).ToList(), chunk.Select(r => r.Name).ToList(), cancellationToken);
                for (int i = 0; i < chunk.Count; i++)
                {
                    writer.Write(chunk[i].Name, vectors[i]);
                }
                chunk.Clear();
            }
            long end = shard.FirstRecord + shard.RecordCount;
            // Plain FASTA: seek to the shard's first header (found at planning). Otherwise read from the top and skip.
            long index = shard.ByteOffset is null ? -1 : shard.FirstRecord - 1;
            foreach (var record in ReadFrom(inputPath, shard.ByteOffset))
            {
                if (++index < shard.FirstRecord)
                {
                    continue;
                }
                if (index >= end)
                {
                    break;
                }
                cancellationToken.ThrowIfCancellationRequested();
                chunk.Add(record);
                if (chunk.Count == RecordsPerChunk)
                {
                    Flush();
                }
            }
            if (chunk.Count > 0)
            {
                Flush();
            }
            if (writer.RowCount != shard.RecordCount)
            {
                throw new InvalidDataException($"Shard {shard.Index} expects records {shard.FirstRecord}..{shard.FirstRecord + shard.RecordCount - 1} of '{inputPath}', but the file holds only {shard.FirstRecord + writer.RowCount}; the input changed since the job was planned. Delete the output folder and rerun.");
            }
            cancellationToken.ThrowIfCancellationRequested();
            writer.Complete();
        }
        return new ShardOutcome(shard.RecordCount, ShardPlanner.FileSha256(path), clock.Elapsed.TotalSeconds);
    }

    private static IEnumerable<SequenceRecord> ReadFrom(string inputPath, long? byteOffset)
    {
        if (byteOffset is not { } offset)
        {
            foreach (var record in SequenceReader.ReadFile(inputPath))
            {
                yield return record;
            }
            yield break;
        }
        using var stream = new FileStream(inputPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        stream.Seek(offset, SeekOrigin.Begin);
        if (stream.ReadByte() != '>')
        {
            throw new InvalidDataException($"'{inputPath}' has no FASTA header at byte {offset}, where the job's plan put one: the input changed since the job was planned. Delete the output folder and rerun.");
        }
        stream.Seek(offset, SeekOrigin.Begin);
        using var reader = new StreamReader(stream, System.Text.Encoding.UTF8, detectEncodingFromByteOrderMarks: false);
        foreach (var record in SequenceReader.Read(reader, SequenceFileFormat.Fasta, inputPath))
        {
            yield return record;
        }
    }
}
