namespace AgroNT.Transforms.ModelFolders;

/// <summary>
/// What a <c>--model</c> argument stands for: a folder, or a Hub id (<c>ORG/NAME[@revision]</c>) resolved in the local
/// Hugging Face cache, and which kind of model folder it is. The one place that decides this; every loader (the
/// TorchSharp model, both embedders, both featurizers, the tokenizer, fine-tuning, pretraining, the cluster workers)
/// asks it, so one folder means the same encoder everywhere.
/// </summary>
public sealed class ModelFolder
{
    /// <summary>The manifest a fine-tuned folder carries beside the base encoder's files.</summary>
    public const string FineTunedManifestFileName = "agront_finetuned.json";

    /// <summary>The graph file of an ONNX export folder.</summary>
    public const string OnnxModelFileName = "model.onnx";

    /// <summary>The Hugging Face model configuration file.</summary>
    public const string ConfigFileName = "config.json";

    private ModelFolder(string source, string path, ModelFolderKind kind)
    {
        Source = source;
        Path = path;
        Kind = kind;
    }

    /// <summary>What the caller passed: a folder path or a Hub id.</summary>
    public string Source { get; }

    /// <summary>The full path of the folder (the cache snapshot for a Hub id).</summary>
    public string Path { get; }

    /// <summary>Which kind of model folder it is.</summary>
    public ModelFolderKind Kind { get; }

    /// <summary>The folder's <c>config.json</c>.</summary>
    public string ConfigPath => System.IO.Path.Combine(Path, ConfigFileName);

    /// <summary>Resolves and classifies a folder or a cached Hub id.</summary>
    /// <param name="folderOrHubId">A model folder (Hugging Face, fine-tuned or ONNX export), a Hugging Face cache entry
    /// (<c>models--ORG--NAME</c>), or a Hub id already in the local cache.</param>
    /// <returns>The folder and its kind.</returns>
    /// <exception cref="DirectoryNotFoundException">Neither a folder nor a cached Hub id; the message says how to get it.</exception>
    public static ModelFolder Open(string folderOrHubId) => Open(folderOrHubId, hubCacheDirectory: null);

    /// <summary>As <see cref="Open(string)"/>, looking up Hub ids in <paramref name="hubCacheDirectory"/> when not null.</summary>
    /// <param name="folderOrHubId">A model folder or a cached Hub id.</param>
    /// <param name="hubCacheDirectory">The Hugging Face cache to search; null for the environment's.</param>
    /// <returns>The folder and its kind.</returns>
    /// <exception cref="DirectoryNotFoundException">Neither a folder nor a cached Hub id.</exception>
    public static ModelFolder Open(string folderOrHubId, string? hubCacheDirectory)
    {
        string path = HuggingFaceModelLocator.ResolveCacheEntry(HuggingFaceModelLocator.Resolve(folderOrHubId, hubCacheDirectory));
        return new ModelFolder(folderOrHubId, path, Classify(path));
    }

    /// <summary>The kind of an existing folder: fine-tuned when it holds the fine-tuning manifest, ONNX when it holds an exported graph, else Hugging Face.</summary>
    /// <param name="folder">An existing folder.</param>
    /// <returns>Its kind.</returns>
    public static ModelFolderKind Classify(string folder)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        if (File.Exists(System.IO.Path.Combine(folder, FineTunedManifestFileName)))
        {
            return ModelFolderKind.FineTuned;
        }
        return File.Exists(System.IO.Path.Combine(folder, OnnxModelFileName)) ? ModelFolderKind.Onnx : ModelFolderKind.HuggingFace;
    }

    /// <summary>Throws unless the folder is of one of <paramref name="accepted"/> kinds, naming what it is and what the caller should pass instead.</summary>
    /// <param name="use">What the caller does with it, for the message (e.g. "fill-mask").</param>
    /// <param name="accepted">The kinds the caller can use.</param>
    /// <returns>This folder.</returns>
    /// <exception cref="InvalidOperationException">The folder is of another kind.</exception>
    public ModelFolder Require(string use, params ModelFolderKind[] accepted)
    {
        if (Array.IndexOf(accepted, Kind) >= 0)
        {
            return this;
        }
        string what = Kind switch
        {
            ModelFolderKind.Onnx => $"an ONNX export ({OnnxModelFileName}); it runs with ONNX Runtime only (agront embed --engine onnx, AgroNTOnnxEmbedder, FeaturizeAgroNTOnnx)",
            ModelFolderKind.FineTuned => $"a fine-tuned folder ({FineTunedManifestFileName}); its adapters and head predict a task",
            _ => "a Hugging Face model folder",
        };
        string wanted = string.Join(" or ", accepted.Select(Describe));
        throw new InvalidOperationException($"{Source} is {what}, but {use} needs {wanted}. Pass such a folder instead.");
    }

    /// <inheritdoc/>
    public override string ToString() => Path;

    private static string Describe(ModelFolderKind kind) => kind switch
    {
        ModelFolderKind.Onnx => "an ONNX export folder (agront export-onnx)",
        ModelFolderKind.FineTuned => "a fine-tuned folder (agront finetune)",
        _ => "a Hugging Face model folder (config.json, vocab.txt and weights) or a cached Hub id",
    };
}
