namespace AgroNT.MLNet.Checkpoints;

/// <summary>What a <see cref="CheckpointLoader"/> load did.</summary>
/// <param name="CheckpointPath">The weight file (or shard index) read.</param>
/// <param name="Format">Its layout.</param>
/// <param name="LoadedTensorCount">Model tensors filled.</param>
/// <param name="LoadedBytes">Checkpoint bytes read to fill them.</param>
/// <param name="SkippedCheckpointKeys">Checkpoint keys not loaded because an ignore pattern or the key prefix excluded them.</param>
/// <param name="UnloadedModelKeys">Model keys the checkpoint lacks that an ignore pattern allowed; left unchanged.</param>
/// <param name="Elapsed">Wall-clock time, from opening to the last copy.</param>
public sealed record CheckpointLoadResult(
    string CheckpointPath,
    CheckpointFormat Format,
    int LoadedTensorCount,
    long LoadedBytes,
    IReadOnlyList<string> SkippedCheckpointKeys,
    IReadOnlyList<string> UnloadedModelKeys,
    TimeSpan Elapsed)
{
    /// <summary>How many of the loaded tensors point at the file's mapped pages (<see cref="CheckpointLoadOptions.MapWeights"/>) instead of holding a copy.</summary>
    public int MappedTensorCount { get; init; }
}
