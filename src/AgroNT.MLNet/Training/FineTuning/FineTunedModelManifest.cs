using System.Text.Json;
using System.Text.Json.Serialization;
using AgroNT.Transforms.Benchmarks;
using AgroNT.Transforms.Tokenization;

namespace AgroNT.MLNet.Training.FineTuning;

/// <summary>The versioned <c>agront_finetuned.json</c> of a saved <see cref="FineTunedModel"/>.</summary>
internal sealed record FineTunedModelManifest
{
    public const string FileName = AgroNT.Transforms.ModelFolders.ModelFolder.FineTunedManifestFileName;
    public const string AdapterFileName = "adapter_model.safetensors";
    public const string HeadFileName = "head.safetensors";
    public const string FormatName = "AgroNT.FineTunedModel";
    public const int CurrentVersion = 1;

    private static readonly JsonSerializerOptions s_json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public string Format { get; init; } = FormatName;

    public int FormatVersion { get; init; } = CurrentVersion;

    public FineTuningMethod Method { get; init; }

    public ProblemType ProblemType { get; init; }

    public int OutputCount { get; init; }

    public HeadPooling Pooling { get; init; }

    public LoraOptions Lora { get; init; } = new();

    public float[] TargetMean { get; init; } = [];

    public float[] TargetScale { get; init; } = [];

    public KmerTokenizerOptions Tokenizer { get; init; } = KmerTokenizerOptions.Default;

    public string AdapterFile { get; init; } = AdapterFileName;

    public string HeadFile { get; init; } = HeadFileName;

    public FineTuningHistory? History { get; init; }

    public static FineTunedModelManifest FromModel(FineTunedModel model, float[] targetMean, float[] targetScale) => new()
    {
        Method = model.Method,
        ProblemType = model.ProblemType,
        OutputCount = model.OutputCount,
        Pooling = model.Pooling,
        Lora = model.Lora,
        TargetMean = targetMean,
        TargetScale = targetScale,
        Tokenizer = model.Model.Tokenizer.Options,
        History = model.History,
    };

    public static FineTunedModelManifest Read(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException(
                $"'{path}' does not exist: the folder is not a fine-tuned AgroNT model (or its save was interrupted). Save one with FineTunedModel.Save.", path);
        }
        FineTunedModelManifest? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize<FineTunedModelManifest>(File.ReadAllText(path), s_json);
        }
        catch (JsonException exception)
        {
            throw new FormatException($"{path} is not a valid fine-tuned model manifest: {exception.Message}", exception);
        }
        if (manifest is null || manifest.Format != FormatName)
        {
            throw new FormatException($"{path} is not an {FormatName} manifest (format '{manifest?.Format}').");
        }
        if (manifest.FormatVersion > CurrentVersion)
        {
            throw new FormatException($"{path} has format version {manifest.FormatVersion}; this AgroNT.MLNet reads up to {CurrentVersion}. Update AgroNT.MLNet.");
        }
        bool regression = !manifest.ProblemType.IsClassification();
        if (manifest.OutputCount <= 0 || (regression && (manifest.TargetMean.Length != manifest.OutputCount || manifest.TargetScale.Length != manifest.OutputCount)))
        {
            throw new FormatException($"{path}: outputCount {manifest.OutputCount} does not fit the target scaling ({manifest.TargetMean.Length} means, {manifest.TargetScale.Length} scales).");
        }
        return manifest;
    }

    public void Write(string path)
    {
        Transforms.IO.StagedFile.WriteAllText(path, JsonSerializer.Serialize(this, s_json));
    }
}
