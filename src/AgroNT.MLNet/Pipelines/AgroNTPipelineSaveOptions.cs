namespace AgroNT.MLNet.Pipelines;

/// <summary>Where a saved pipeline keeps the model its featurizers run.</summary>
public enum AgroNTPipelineModelStorage
{
    /// <summary>
    /// The file refers to the model: by Hub id and commit (<c>ORG/NAME@COMMIT</c>) when the folder is a snapshot in a
    /// Hugging Face cache, otherwise by its path relative to the saved file's folder (never an absolute path). Keep the
    /// model at the same place relative to the file when you move both. The default.
    /// </summary>
    Reference,

    /// <summary>The file holds a copy of the model's files (config, vocabulary, weights): one self-contained file, as
    /// large as the model.</summary>
    Embed,
}

/// <summary>Settings of <c>mlContext.Model.SaveAgroNT(model, inputSchema, path, options)</c>. Immutable.</summary>
public sealed record AgroNTPipelineSaveOptions
{
    /// <summary>Whether the model is referenced (default) or embedded in the file; either way the SHA-256 of each of its
    /// files is recorded and checked when the pipeline is loaded.</summary>
    public AgroNTPipelineModelStorage ModelStorage { get; init; } = AgroNTPipelineModelStorage.Reference;
}
