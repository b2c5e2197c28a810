using System.Text.Json;
using System.Text.Json.Serialization;
using AgroNT.Transforms.IO;

namespace AgroNT.Cluster.Sharding;

/// <summary>Where a shard stands in a manifest.</summary>
public enum ShardStatus
{
    /// <summary>Not computed yet (or lost in a crash: a shard is only <see cref="Done"/> once its file is in place).</summary>
    Pending,

    /// <summary>Its Parquet file is complete and matches <see cref="ShardEntry.Sha256"/> and <see cref="ShardEntry.Rows"/>.</summary>
    Done,
}

/// <summary>One shard: a stable range of input records and, once done, what was written for it.</summary>
public sealed record ShardEntry
{
    /// <summary>Position of the shard, from 0; the merge order.</summary>
    public required int Index { get; init; }

    /// <summary>Index of its first record in the input (records count from 0 in file order).</summary>
    public required long FirstRecord { get; init; }

    /// <summary>How many consecutive records it holds.</summary>
    public required long RecordCount { get; init; }

    /// <summary>Its Parquet file's name inside the output folder.</summary>
    public required string File { get; init; }

    /// <summary>
    /// Byte offset of its first record's header line when the input is plain (uncompressed) FASTA, so a worker seeks
    /// there instead of reading the file from the top; null for gzip, FASTQ and text inputs (read from the top).
    /// </summary>
    public long? ByteOffset { get; init; }

    /// <summary>Pending or done.</summary>
    public ShardStatus Status { get; init; }

    /// <summary>Rows in the file (equals <see cref="RecordCount"/> when done).</summary>
    public long? Rows { get; init; }

    /// <summary>Lowercase hex SHA-256 of the file, checked again before a merge.</summary>
    public string? Sha256 { get; init; }

    /// <summary>Who computed it (host, process, silo and device).</summary>
    public string? Worker { get; init; }

    /// <summary>Seconds spent computing it (reading, embedding, writing).</summary>
    public double? Seconds { get; init; }

    /// <summary>When it was finished (UTC).</summary>
    public DateTimeOffset? CompletedUtc { get; init; }
}

/// <summary>
/// The record of a sharded embedding job, <c>manifest.json</c> in its output folder: the input's fingerprint, how
/// records were embedded, and each shard's range, status, row count and checksum. Saved by writing a temporary file
/// and renaming it, so a crash leaves the previous manifest intact. A rerun of the same job reads it and computes only
/// the shards that are not <see cref="ShardStatus.Done"/>.
/// </summary>
public sealed record ShardManifest
{
    /// <summary>The manifest's file name inside the output folder.</summary>
    public const string FileName = "manifest.json";

    /// <summary>The format name stored in every manifest.</summary>
    public const string FormatName = "agront-embedding-shards";

    /// <summary>The layout version this code writes and reads.</summary>
    public const int CurrentVersion = 1;

    private static readonly JsonSerializerOptions s_json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    /// <summary>Always <see cref="FormatName"/>.</summary>
    public string Format { get; init; } = FormatName;

    /// <summary>Layout version.</summary>
    public int Version { get; init; } = CurrentVersion;

    /// <summary>SHA-256 over the input's checksum and size, the spec and the shard count: equal fingerprints mean the same job.</summary>
    public required string Fingerprint { get; init; }

    /// <summary>The input file as given when the job was planned.</summary>
    public required string InputPath { get; init; }

    /// <summary>The input's size in bytes.</summary>
    public required long InputBytes { get; init; }

    /// <summary>Lowercase hex SHA-256 of the input file's bytes.</summary>
    public required string InputSha256 { get; init; }

    /// <summary>Records in the input.</summary>
    public required long TotalRecords { get; init; }

    /// <summary>How records are embedded.</summary>
    public required EmbeddingJobSpec Spec { get; init; }

    /// <summary>The shards, in record order.</summary>
    public required IReadOnlyList<ShardEntry> Shards { get; init; }

    /// <summary>Whether every shard is done.</summary>
    [JsonIgnore]
    public bool IsComplete => Shards.All(s => s.Status == ShardStatus.Done);

    /// <summary>This manifest with <paramref name="entry"/> in place of the shard of the same index.</summary>
    /// <param name="entry">The new state of one shard.</param>
    /// <returns>A new manifest.</returns>
    public ShardManifest WithShard(ShardEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (entry.Index < 0 || entry.Index >= Shards.Count)
        {
            throw new ArgumentOutOfRangeException(nameof(entry), entry.Index, $"The manifest has shards 0..{Shards.Count - 1}.");
        }
        var shards = Shards.ToArray();
        shards[entry.Index] = entry;
        return this with { Shards = shards };
    }

    /// <summary>The manifest path inside <paramref name="outputFolder"/>.</summary>
    /// <param name="outputFolder">A job's output folder.</param>
    /// <returns><c>outputFolder/manifest.json</c>.</returns>
    public static string PathIn(string outputFolder) => Path.Combine(outputFolder, FileName);

    /// <summary>Reads the manifest of <paramref name="outputFolder"/>, or null when there is none.</summary>
    /// <param name="outputFolder">A job's output folder.</param>
    /// <returns>The manifest, or null.</returns>
    /// <exception cref="InvalidDataException">The file is not a manifest this version can read.</exception>
    public static ShardManifest? TryLoad(string outputFolder)
    {
        string path = PathIn(outputFolder);
        if (!System.IO.File.Exists(path))
        {
            return null;
        }
        ShardManifest? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize<ShardManifest>(System.IO.File.ReadAllText(path), s_json);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"'{path}' is not a readable shard manifest ({e.Message}); delete the output folder to start the job afresh.", e);
        }
        if (manifest is null || manifest.Format != FormatName || manifest.Version != CurrentVersion)
        {
            throw new InvalidDataException($"'{path}' is not a version {CurrentVersion} '{FormatName}' manifest; delete the output folder or use another one.");
        }
        for (int i = 0; i < manifest.Shards.Count; i++)
        {
            if (manifest.Shards[i].Index != i)
            {
                throw new InvalidDataException($"'{path}': shard {i} is listed with index {manifest.Shards[i].Index}; the manifest was edited by hand. Delete the output folder to start afresh.");
            }
        }
        return manifest;
    }

    /// <summary>Writes the manifest into <paramref name="outputFolder"/> through a temporary file and a rename.</summary>
    /// <param name="outputFolder">The job's output folder; must exist.</param>
    public void Save(string outputFolder)
    {
        using var staged = StagedFile.Create(PathIn(outputFolder));
        JsonSerializer.Serialize(staged.Stream, this, s_json);
        staged.Commit();
    }
}
