namespace AgroNT.MLNet.Checkpoints;

/// <summary>How <see cref="CheckpointLoader"/> chooses, matches and copies a checkpoint.</summary>
public sealed record CheckpointLoadOptions
{
    /// <summary>
    /// Checkpoint keys that are expected to have no place in the model: ESM's contact-prediction head, which the masked
    /// language model never uses, and <c>position_ids</c> buffers that older transformers versions saved.
    /// </summary>
    public static IReadOnlyList<string> DefaultIgnoredUnexpectedKeys { get; } = Array.AsReadOnly(["esm.contact_head.*", "*.position_ids"]);

    /// <summary>
    /// Model keys a checkpoint need not have: <c>position_ids</c> buffers, which transformers 4.32 no longer saves
    /// (they are computed from the input ids).
    /// </summary>
    public static IReadOnlyList<string> DefaultIgnoredMissingKeys { get; } = Array.AsReadOnly(["*.position_ids"]);

    /// <summary>Which weight file to read from a folder; <see cref="CheckpointFormat.Auto"/> follows Hugging Face's preference.</summary>
    public CheckpointFormat Format { get; init; } = CheckpointFormat.Auto;

    /// <summary>
    /// Glob patterns (<c>*</c>, <c>?</c>) of checkpoint keys to skip instead of reporting them as unexpected; matched
    /// against the names as stored in the checkpoint. Defaults to <see cref="DefaultIgnoredUnexpectedKeys"/>.
    /// </summary>
    public IReadOnlyList<string> IgnoredUnexpectedKeys { get; init; } = DefaultIgnoredUnexpectedKeys;

    /// <summary>
    /// Glob patterns of model keys the checkpoint may lack (those tensors are left as they are). Defaults to
    /// <see cref="DefaultIgnoredMissingKeys"/>.
    /// </summary>
    public IReadOnlyList<string> IgnoredMissingKeys { get; init; } = DefaultIgnoredMissingKeys;

    /// <summary>
    /// When set, only checkpoint keys that start with this prefix are matched, with the prefix removed; the others are
    /// skipped. <c>"esm."</c> loads an <c>EsmForMaskedLM</c> checkpoint into a bare encoder whose keys start at
    /// <c>embeddings.</c> (as transformers does for a base model).
    /// </summary>
    public string? CheckpointKeyPrefix { get; init; }

    /// <summary>
    /// The most bytes mapped (and, when converting, staged) at once per tensor; bounds the extra memory a load needs.
    /// Default 16 MiB.
    /// </summary>
    public long ChunkBytes { get; init; } = TensorCopier.DefaultChunkBytes;

    /// <summary>
    /// Whether tensors holding NaN or infinite values may load. Default <see langword="false"/>: such weights make every
    /// output NaN, so the load fails with a <see cref="CheckpointFormatException"/> naming each of them (a damaged file
    /// or a diverged training run). Set it to inspect or repair such a checkpoint.
    /// </summary>
    public bool AllowNonFiniteWeights { get; init; }

    /// <summary>
    /// Whether CPU targets may be pointed at the weight file's pages instead of filled with a copy. Default
    /// <see langword="false"/>. When set, on Linux, each target whose element type equals a safetensors tensor's, and
    /// whose data in the file is aligned to its element size, is re-pointed (<c>set_</c>) at a private, copy-on-write
    /// memory map of the file (<c>torch.from_file</c> with <c>shared: false</c>); other targets are copied as usual.
    /// Writes to such a tensor (training) go to private copies of the pages written; the file is never modified. The
    /// map lives as long as the tensors do. Set it only for targets owned by the caller alone, such as a freshly
    /// built module's parameters: a target that was a view of a larger tensor stops sharing that tensor's memory.
    /// The file must not be truncated or rewritten in place while the tensors live (replacing it by a rename is safe).
    /// </summary>
    public bool MapWeights { get; init; }

    /// <summary>Receives a report after each tensor; <see langword="null"/> for none.</summary>
    public IProgress<CheckpointLoadProgress>? Progress { get; init; }
}
