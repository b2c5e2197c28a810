using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using AgroNT.Transforms.Sequences;

namespace AgroNT.Cluster.Sharding;

/// <summary>
/// Plans a sharded job: counts the input's records, fingerprints the input and the spec, and splits the records into
/// consecutive ranges. The split depends only on the record count and the shard count, so the same command always
/// produces the same shards.
/// </summary>
public static class ShardPlanner
{
    /// <summary>
    /// Splits <paramref name="totalRecords"/> into at most <paramref name="shardCount"/> consecutive ranges made of whole
    /// blocks of <paramref name="recordsPerBlock"/> records (the last block may be short), block counts differing by at most one.
    /// </summary>
    /// <param name="totalRecords">Records in the input (0 or more).</param>
    /// <param name="shardCount">Shards wanted (1 or more); fewer are made when there are fewer blocks, and one (empty) for an empty input.</param>
    /// <param name="recordsPerBlock">The unit of a shard; <see cref="ShardProcessor.RecordsPerChunk"/> for jobs, so that every
    /// shard embeds exactly the chunks a single process would and the numbers are bit-identical.</param>
    /// <returns>(first record, record count) per shard, in order.</returns>
    public static IReadOnlyList<(long FirstRecord, long RecordCount)> SplitRanges(long totalRecords, int shardCount, int recordsPerBlock = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(totalRecords);
        ArgumentOutOfRangeException.ThrowIfLessThan(shardCount, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(recordsPerBlock, 1);
        long blocks = (totalRecords + recordsPerBlock - 1) / recordsPerBlock;
        int shards = (int)Math.Max(1, Math.Min(shardCount, blocks));
        long size = blocks / shards, extra = blocks % shards;
        var ranges = new (long, long)[shards];
        long firstBlock = 0;
        for (int i = 0; i < shards; i++)
        {
            long count = size + (i < extra ? 1 : 0);
            long first = firstBlock * recordsPerBlock;
            ranges[i] = (first, Math.Min(totalRecords, (firstBlock + count) * recordsPerBlock) - first);
            firstBlock += count;
        }
        return ranges;
    }

    /// <summary>The Parquet file name of shard <paramref name="index"/>.</summary>
    /// <param name="index">Shard index from 0.</param>
    /// <returns><c>shard-00000.parquet</c> and so on.</returns>
    public static string ShardFileName(int index) => string.Create(CultureInfo.InvariantCulture, $"shard-{index:D5}.parquet");

    /// <summary>Reads the whole input once (validating every record) and plans a fresh manifest with every shard pending.</summary>
    /// <param name="inputPath">FASTA/FASTQ (optionally .gz) or .txt, as for <c>agront embed</c>.</param>
    /// <param name="spec">How records are embedded; validated.</param>
    /// <param name="shardCount">Shards wanted; shards hold whole chunks of <see cref="ShardProcessor.RecordsPerChunk"/> records, so an input of fewer chunks gets fewer shards.</param>
    /// <returns>The plan; nothing is written.</returns>
    /// <exception cref="FileNotFoundException">The input does not exist.</exception>
    public static ShardManifest Plan(string inputPath, EmbeddingJobSpec spec, int shardCount)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (shardCount < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(shardCount), shardCount, "The shard count must be 1 or more.");
        }
        spec.Validate();
        string full = Path.GetFullPath(inputPath);
        if (!File.Exists(full))
        {
            throw new FileNotFoundException($"Input file not found: {full}.", full);
        }
        long bytes = new FileInfo(full).Length;
        // One byte pass hashes the file and notes where every chunk's first FASTA header starts; shards start on chunks.
        var (sha, chunkOffsets) = HashAndChunkOffsets(full, ShardProcessor.RecordsPerChunk);
        long records = SequenceReader.ReadFile(full).LongCount();
        var ranges = SplitRanges(records, shardCount, ShardProcessor.RecordsPerChunk);
        // Offsets are kept only when the byte scan saw exactly the records the reader counted (the reader is the authority).
        bool seekable = chunkOffsets is { } o && o.Headers == records;
        var shards = ranges
            .Select((r, i) => new ShardEntry
            {
                Index = i,
                FirstRecord = r.FirstRecord,
                RecordCount = r.RecordCount,
                File = ShardFileName(i),
                ByteOffset = seekable && r.RecordCount > 0 ? chunkOffsets!.Value.Offsets[(int)(r.FirstRecord / ShardProcessor.RecordsPerChunk)] : null,
            })
            .ToArray();
        return new ShardManifest
        {
            Fingerprint = Fingerprint(sha, bytes, spec, shardCount),
            InputPath = full,
            InputBytes = bytes,
            InputSha256 = sha,
            TotalRecords = records,
            Spec = spec,
            Shards = shards,
        };
    }

    /// <summary>
    /// The manifest a run continues from: the one in <paramref name="outputFolder"/> when it belongs to the same job
    /// (done shards whose file is missing or altered go back to pending), else a fresh plan, saved there.
    /// </summary>
    /// <param name="inputPath">The input file.</param>
    /// <param name="spec">How records are embedded.</param>
    /// <param name="shardCount">Shards wanted.</param>
    /// <param name="outputFolder">The job's folder; created when missing.</param>
    /// <returns>The manifest in force, saved in <paramref name="outputFolder"/>.</returns>
    /// <exception cref="InvalidOperationException">The folder holds the manifest of another job (other input, options or shard count).</exception>
    public static ShardManifest Prepare(string inputPath, EmbeddingJobSpec spec, int shardCount, string outputFolder)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(outputFolder);
        if (File.Exists(outputFolder))
        {
            throw new IOException($"'{outputFolder}' is a file; sharded output needs a folder (-o DIR).");
        }
        Directory.CreateDirectory(outputFolder);
        var plan = Plan(inputPath, spec, shardCount);
        var existing = ShardManifest.TryLoad(outputFolder);
        if (existing is null)
        {
            plan.Save(outputFolder);
            return plan;
        }
        if (existing.Fingerprint != plan.Fingerprint)
        {
            string what = existing.InputSha256 != plan.InputSha256 || existing.InputBytes != plan.InputBytes ? "another input file (its SHA-256 differs)"
                : existing.Spec.CanonicalText() != plan.Spec.CanonicalText() ? $"other embedding options ({existing.Spec.CanonicalText()})"
                : "another shard count";
            throw new InvalidOperationException($"'{ShardManifest.PathIn(outputFolder)}' belongs to a job with {what}; use a new output folder, or delete this one to start afresh.");
        }
        var manifest = existing;
        foreach (var shard in existing.Shards.Where(s => s.Status == ShardStatus.Done))
        {
            string file = Path.Combine(outputFolder, shard.File);
            if (!File.Exists(file) || FileSha256(file) != shard.Sha256)
            {
                manifest = manifest.WithShard(shard with { Status = ShardStatus.Pending, Rows = null, Sha256 = null, Worker = null, Seconds = null, CompletedUtc = null });
            }
        }
        if (!ReferenceEquals(manifest, existing))
        {
            manifest.Save(outputFolder);
        }
        return manifest;
    }

    /// <summary>Lowercase hex SHA-256 of a file's bytes.</summary>
    /// <param name="path">The file.</param>
    /// <returns>64 hex digits.</returns>
    public static string FileSha256(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    private static string Fingerprint(string inputSha, long inputBytes, EmbeddingJobSpec spec, int shardCount) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture,
            $"{ShardManifest.FormatName}/{ShardManifest.CurrentVersion}|input={inputSha}:{inputBytes}|{spec.CanonicalText()}|shards={shardCount}|block={ShardProcessor.RecordsPerChunk}"))));

    /// <summary>
    /// The file's SHA-256 and, for a plain FASTA file, the byte offset of every <paramref name="recordsPerChunk"/>-th
    /// header line (records 0, k, 2k, ...) with the number of headers seen (<c>&gt;</c> at the start of a line); the
    /// offsets are null for gzip and non-FASTA inputs.
    /// </summary>
    internal static (string Sha256, (List<long> Offsets, long Headers)? ChunkOffsets) HashAndChunkOffsets(string path, int recordsPerChunk)
    {
        bool scan = SequenceReader.DetectFormat(path) == SequenceFileFormat.Fasta;
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[1 << 20];
        var offsets = new List<long>();
        long headers = 0, position = 0;
        bool lineStart = true;
        int read;
        while ((read = stream.Read(buffer, 0, buffer.Length)) > 0)
        {
            if (position == 0 && read >= 2 && buffer[0] == 0x1F && buffer[1] == 0x8B)
            {
                scan = false; // gzip: no random access
            }
            hash.AppendData(buffer, 0, read);
            if (scan)
            {
                for (int j = 0; j < read; j++)
                {
                    byte b = buffer[j];
                    if (lineStart && b == (byte)'>')
                    {
                        if (headers % recordsPerChunk == 0)
                        {
                            offsets.Add(position + j);
                        }
                        headers++;
                    }
                    lineStart = b == (byte)'\n';
                }
            }
            position += read;
        }
        return (Convert.ToHexStringLower(hash.GetHashAndReset()), scan ? (offsets, headers) : null);
    }
}
