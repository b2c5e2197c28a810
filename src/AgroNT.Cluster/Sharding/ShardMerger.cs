using AgroNT.MLNet.EmbeddingFiles;

namespace AgroNT.Cluster.Sharding;

/// <summary>Concatenates a finished job's shard files, in shard order, into one embedding file of any format.</summary>
public static class ShardMerger
{
    /// <summary>
    /// Checks that every shard is done and that each file still has its recorded SHA-256 and row count, then streams
    /// the rows into <paramref name="destination"/> (temporary file, then rename).
    /// </summary>
    /// <param name="outputFolder">The job's folder (with <c>manifest.json</c>).</param>
    /// <param name="destination">The merged file: <c>.parquet</c>, <c>.csv</c>, <c>.jsonl</c> or <c>.npy</c>.</param>
    /// <param name="cancellationToken">Stops between rows; nothing is left at <paramref name="destination"/>.</param>
    /// <returns>Rows written.</returns>
    /// <exception cref="InvalidOperationException">No manifest, or some shards are not done.</exception>
    /// <exception cref="InvalidDataException">A shard file is missing or differs from the manifest.</exception>
    public static long Merge(string outputFolder, string destination, CancellationToken cancellationToken = default)
    {
        var manifest = ShardManifest.TryLoad(outputFolder)
            ?? throw new InvalidOperationException($"'{outputFolder}' has no {ShardManifest.FileName}; it is not the output folder of a sharded job.");
        var pending = manifest.Shards.Where(s => s.Status != ShardStatus.Done).Select(s => s.Index).ToList();
        if (pending.Count > 0)
        {
            throw new InvalidOperationException($"Cannot merge '{outputFolder}': {pending.Count} of {manifest.Shards.Count} shards are not done (first: {pending[0]}); rerun the same embed command to finish them.");
        }
        using var writer = EmbeddingFileWriter.Create(destination);
        foreach (var shard in manifest.Shards)
        {
            string file = Path.Combine(outputFolder, shard.File);
            if (!File.Exists(file))
            {
                throw new InvalidDataException($"Shard {shard.Index} is done in the manifest but '{file}' is missing; rerun the same embed command to recompute it.");
            }
            if (ShardPlanner.FileSha256(file) != shard.Sha256)
            {
                throw new InvalidDataException($"'{file}' does not match the SHA-256 in the manifest (it changed after it was written); rerun the same embed command to recompute it.");
            }
            long rows = 0;
            foreach (var (id, embedding) in EmbeddingFileReader.Read(file, EmbeddingFileFormat.Parquet))
            {
                cancellationToken.ThrowIfCancellationRequested();
                writer.Write(id, embedding);
                rows++;
            }
            if (rows != shard.Rows)
            {
                throw new InvalidDataException($"'{file}' holds {rows} rows but the manifest records {shard.Rows}; delete it and rerun the same embed command.");
            }
        }
        writer.Complete();
        return writer.RowCount;
    }
}
