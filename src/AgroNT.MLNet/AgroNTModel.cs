using AgroNT.Transforms.IO;
using AgroNT.Transforms.ModelFolders;
using AgroNT.MLNet.Native;
using System.Text.Json;
using System.Text.Json.Nodes;
using AgroNT.MLNet.Checkpoints;
using AgroNT.MLNet.Modeling;
using AgroNT.MLNet.Training.FineTuning;
using AgroNT.Transforms.Tokenization;
using TorchSharp;
using static TorchSharp.torch;

namespace AgroNT.MLNet;

/// <summary>Numeric precision of the network's weights and activations.</summary>
public enum Precision
{
    /// <summary>32-bit floats: matches Hugging Face within ~3e-6. The default.</summary>
    Float32,

    /// <summary>bfloat16 weights and activations: about 2x faster on CPUs with AVX512_BF16; mean-pooled embeddings move by ~5e-3 relative L2 (measured by <c>agront bench</c>).</summary>
    BFloat16,
}

/// <summary>How <see cref="AgroNTModel.Load"/> places and converts the network.</summary>
public sealed record AgroNTModelOptions
{
    /// <summary>Torch device string: <c>cpu</c> (default) or <c>cuda</c>, <c>cuda:1</c> when a CUDA libtorch is referenced.</summary>
    public string Device { get; init; } = "cpu";

    /// <summary>Weight and activation precision.</summary>
    public Precision Precision { get; init; } = Precision.Float32;

    /// <summary>Tokenizer settings (mode, length policy...); the vocabulary comes from the model folder.</summary>
    public KmerTokenizerOptions Tokenizer { get; init; } = KmerTokenizerOptions.Default;

    /// <summary>Which weight file to read when a folder has several.</summary>
    public CheckpointFormat CheckpointFormat { get; init; } = CheckpointFormat.Auto;

    /// <summary>Whether weights holding NaN or infinite values may load (see
    /// <see cref="CheckpointLoadOptions.AllowNonFiniteWeights"/>). Default <see langword="false"/>: the load fails naming them.</summary>
    public bool AllowNonFiniteWeights { get; init; }

    /// <summary>
    /// Whether a float32 model reads its weights straight from a copy-on-write memory map of <c>model.safetensors</c>
    /// instead of copying them (see <see cref="CheckpointLoadOptions.MapWeights"/>): loading then costs a scan of
    /// the file, not a copy, and the weights share the page cache. Default <see langword="true"/>. Training writes
    /// to private copies of the pages it changes; the file is never written. Replacing the file (a rename, as every
    /// writer in this library does) is safe while the model lives; truncating or rewriting it in place is not. Set
    /// it to <see langword="false"/> to copy the weights into memory of their own.
    /// </summary>
    public bool MapWeights { get; init; } = true;
}

/// <summary>
/// An AgroNT model ready to use: its configuration, tokenizer and TorchSharp network, loaded from a Hugging Face
/// model folder (or a Hub id found in the local Hugging Face cache). Saving writes the same format back, so
/// Python's transformers loads what we produce.
/// </summary>
public sealed class AgroNTModel : IDisposable
{
    private AgroNTModel(EsmConfig config, SequenceTokenizer tokenizer, EsmForMaskedLM network, string? folder, Device device, Precision precision)
    {
        Config = config;
        Tokenizer = tokenizer;
        Network = network;
        Folder = folder;
        Device = device;
        Precision = precision;
    }

    /// <summary>The architecture.</summary>
    public EsmConfig Config { get; }

    /// <summary>The tokenizer built from the folder's vocab.txt: a <see cref="KmerTokenizer"/> for AgroNT's DNA k-mers,
    /// a <see cref="ProteinTokenizer"/> for an ESM-2 protein vocabulary.</summary>
    public SequenceTokenizer Tokenizer { get; }

    /// <summary>The network (encoder + MLM head), in evaluation mode after loading.</summary>
    public EsmForMaskedLM Network { get; }

    /// <summary>The folder the weights came from, or null for a model created in memory.</summary>
    public string? Folder { get; private set; }

    /// <summary>The kind of folder it was loaded from (<see cref="ModelFolderKind.FineTuned"/>: adapters merged into the encoder), or null for a model created in memory.</summary>
    public ModelFolderKind? FolderKind { get; private set; }

    /// <summary>Where the network lives.</summary>
    public Device Device { get; }

    /// <summary>The network's precision.</summary>
    public Precision Precision { get; }

    /// <summary>The torch dtype matching <see cref="Precision"/>.</summary>
    public ScalarType DType => Precision == Precision.BFloat16 ? ScalarType.BFloat16 : ScalarType.Float32;

    /// <summary>
    /// Loads the encoder a model folder or cached Hub id stands for, deciding once what the folder is
    /// (<see cref="ModelFolder.Open(string)"/>): a Hugging Face folder (config.json, vocab.txt and model.safetensors or
    /// pytorch_model.bin) loads as saved; a fine-tuned folder (written by <c>agront finetune</c> or
    /// <see cref="FineTunedModel.Save"/>) loads as its base encoder with the adapters folded in
    /// (<see cref="AdapterMerging.ToMergedModel"/>), never silently the base weights; an ONNX export folder is refused
    /// with a message naming the ONNX Runtime entry points. Every loader in the library goes through here.
    /// </summary>
    /// <param name="folderOrHubId">A folder, or <c>ORG/NAME[@revision]</c> present in the Hugging Face cache.</param>
    /// <param name="options">Device, precision and tokenizer settings.</param>
    /// <param name="progress">Optional load progress.</param>
    /// <exception cref="InvalidOperationException">The folder is an ONNX export.</exception>
    /// <exception cref="NotSupportedException"><see cref="AgroNTModelOptions.Device"/> is CUDA and this process's libtorch has no CUDA (<see cref="TorchRuntime.ResolveDevice"/>).</exception>
    public static AgroNTModel Load(string folderOrHubId, AgroNTModelOptions? options = null, IProgress<CheckpointLoadProgress>? progress = null)
    {
        options ??= new AgroNTModelOptions();
        _ = TorchRuntime.ResolveDevice(options.Device);
        var folder = ModelFolder.Open(folderOrHubId).Require("the TorchSharp model", ModelFolderKind.HuggingFace, ModelFolderKind.FineTuned);
        if (folder.Kind == ModelFolderKind.FineTuned)
        {
            using var fineTuned = FineTunedModel.Load(folder.Path, options.Device);
            var merged = AdapterMerging.ToMergedModel(fineTuned, options);
            merged.Folder = folder.Path;
            merged.FolderKind = ModelFolderKind.FineTuned;
            return merged;
        }
        return LoadHuggingFaceFolder(folder.Path, options, progress);
    }

    /// <summary>Loads the Hugging Face files of <paramref name="folder"/> as they are (for a fine-tuned folder: its base encoder).</summary>
    internal static AgroNTModel LoadHuggingFaceFolder(string folder, AgroNTModelOptions options, IProgress<CheckpointLoadProgress>? progress = null)
    {
        Native.TorchRuntime.Initialize();
        var config = EsmConfig.FromFile(folder);
        var tokenizer = SequenceTokenizer.FromModelFolder(folder, options.Tokenizer);
        if (tokenizer.Vocabulary.Count != config.VocabSize)
        {
            throw new FormatException($"{folder}: vocab.txt has {tokenizer.Vocabulary.Count} tokens but config.json says vocab_size {config.VocabSize}.");
        }
        var device = TorchRuntime.ResolveDevice(options.Device);
        var dtype = options.Precision == Precision.BFloat16 ? ScalarType.BFloat16 : ScalarType.Float32;
        EsmForMaskedLM network;
        // Every weight is about to be overwritten (the loader refuses a checkpoint that lacks one), so the Linear layers
        // skip their random initialisation: for 1B parameters it costs seconds and touches every page.
        using (ParameterInitialisation.SkipRandomInit())
        {
            network = new EsmForMaskedLM(config, device, dtype);
        }
        try
        {
            CheckpointLoader.LoadInto(network, folder, new CheckpointLoadOptions
            {
                Format = options.CheckpointFormat,
                Progress = progress,
                AllowNonFiniteWeights = options.AllowNonFiniteWeights,
                MapWeights = options.MapWeights,
            });
        }
        catch
        {
            network.Dispose();
            throw;
        }
        network.eval();
        return new AgroNTModel(config, tokenizer, network, folder, device, options.Precision) { FolderKind = ModelFolderKind.HuggingFace };
    }

    /// <summary>
    /// Creates a model with freshly initialised weights (normal(0, initializer_range) for linear and embedding weights,
    /// zero biases, unit LayerNorms, as Hugging Face initialises ESM), reproducible from <paramref name="seed"/>.
    /// </summary>
    public static AgroNTModel CreateRandom(EsmConfig config, TokenVocabulary vocabulary, long seed, AgroNTModelOptions? options = null)
    {
        options ??= new AgroNTModelOptions();
        Native.TorchRuntime.Initialize();
        if (vocabulary.Count != config.VocabSize)
        {
            throw new ArgumentException($"The vocabulary has {vocabulary.Count} tokens but the config says vocab_size {config.VocabSize}.", nameof(vocabulary));
        }
        var device = TorchRuntime.ResolveDevice(options.Device);
        var network = new EsmForMaskedLM(config, device);
        using (no_grad())
        {
            var generator = new Generator((ulong)seed, device);
            foreach (var (name, parameter) in network.named_parameters())
            {
                bool isLayerNorm = name.Contains("LayerNorm", StringComparison.Ordinal) || name.Contains("layer_norm", StringComparison.Ordinal);
                if (isLayerNorm && name.EndsWith(".weight", StringComparison.Ordinal))
                {
                    parameter.fill_(TorchScalars.Real(1.0));
                }
                else if (name.EndsWith(".bias", StringComparison.Ordinal) || name == "lm_head.bias")
                {
                    parameter.zero_();
                }
                else
                {
                    parameter.normal_(0, config.InitializerRange, generator);
                }
            }
            // Hugging Face zeroes the padding rows of both embedding tables.
            foreach (var (name, parameter) in network.named_parameters().Where(p => p.name.EndsWith("_embeddings.weight", StringComparison.Ordinal)))
            {
                parameter[config.PadTokenId].zero_();
            }
        }
        if (options.Precision == Precision.BFloat16)
        {
            network.to(ScalarType.BFloat16);
        }
        network.eval();
        var tokenizer = SequenceTokenizer.ForVocabulary(vocabulary, options.Tokenizer);
        return new AgroNTModel(config, tokenizer, network, null, device, options.Precision);
    }

    /// <summary>
    /// Saves a Hugging Face model folder: config.json, model.safetensors (fp32), vocab.txt, tokenizer_config.json and
    /// special_tokens_map.json. AgroNT's tokenizer settings are written explicitly, <c>"eos_token": null</c> included,
    /// because transformers' own save drops it and a reload then appends an <c>&lt;eos&gt;</c> outside the vocabulary.
    /// Every file is written to a temporary name and renamed.
    /// </summary>
    public void Save(string folder)
    {
        Directory.CreateDirectory(folder);
        var config = Config with { TorchDtype = "float32" };
        WriteText(Path.Combine(folder, "config.json"), config.ToJson());
        using (no_grad())
        {
            var tensors = Network.state_dict().Select(p => KeyValuePair.Create(p.Key, p.Value.to(ScalarType.Float32, CPU).contiguous())).ToList();
            try
            {
                CheckpointWriter.SaveSafeTensors(tensors, Path.Combine(folder, "model.safetensors"), new Dictionary<string, string> { ["format"] = "pt" });
            }
            finally
            {
                foreach (var (_, tensor) in tensors)
                {
                    tensor.Dispose();
                }
            }
        }
        SaveTokenizerFiles(Tokenizer.Vocabulary, folder);
    }

    /// <summary>
    /// Writes vocab.txt, tokenizer_config.json and special_tokens_map.json with AgroNT's settings written explicitly
    /// (<c>"eos_token": null</c> included), or ESM-2's (with its <c>&lt;eos&gt;</c>) for a protein vocabulary; shared
    /// by <see cref="Save"/> and the ONNX export.
    /// </summary>
    internal static void SaveTokenizerFiles(TokenVocabulary vocabulary, string folder)
    {
        WriteText(Path.Combine(folder, KmerVocabulary.VocabFileName), string.Join("\n", vocabulary.Tokens) + "\n");
        if (vocabulary is ProteinVocabulary protein)
        {
            SaveProteinTokenizerFiles(protein, folder);
            return;
        }
        var special = ((KmerVocabulary)vocabulary).SpecialTokens;
        var tokenizerConfig = new JsonObject
        {
            ["clean_up_tokenization_spaces"] = vocabulary.CleanUpTokenizationSpaces,
            ["eos_token"] = null,
            ["model_max_length"] = vocabulary.MaxTokens,
            ["tokenizer_class"] = "EsmTokenizer",
        };
        var specialMap = new JsonObject
        {
            ["cls_token"] = special.Cls,
            ["mask_token"] = special.Mask,
            ["pad_token"] = special.Pad,
            ["unk_token"] = special.Unk,
        };
        var indented = new JsonSerializerOptions { WriteIndented = true };
        WriteText(Path.Combine(folder, KmerVocabulary.TokenizerConfigFileName), tokenizerConfig.ToJsonString(indented));
        WriteText(Path.Combine(folder, KmerVocabulary.SpecialTokensMapFileName), specialMap.ToJsonString(indented));
    }

    private static void SaveProteinTokenizerFiles(ProteinVocabulary vocabulary, string folder)
    {
        var special = vocabulary.SpecialTokens;
        var tokenizerConfig = new JsonObject
        {
            ["clean_up_tokenization_spaces"] = vocabulary.CleanUpTokenizationSpaces,
            ["model_max_length"] = vocabulary.MaxTokens,
            ["tokenizer_class"] = "EsmTokenizer",
        };
        var specialMap = new JsonObject
        {
            ["cls_token"] = special.Cls,
            ["eos_token"] = special.Eos,
            ["mask_token"] = special.Mask,
            ["pad_token"] = special.Pad,
            ["unk_token"] = special.Unk,
        };
        var indented = new JsonSerializerOptions { WriteIndented = true };
        WriteText(Path.Combine(folder, KmerVocabulary.TokenizerConfigFileName), tokenizerConfig.ToJsonString(indented));
        WriteText(Path.Combine(folder, KmerVocabulary.SpecialTokensMapFileName), specialMap.ToJsonString(indented));
    }

    /// <inheritdoc/>
    public void Dispose() => Network.Dispose();

    internal static void WriteText(string path, string text)
    {
        using var file = StagedFile.Create(path);
        file.Stream.Write(System.Text.Encoding.UTF8.GetBytes(text));
        file.Commit();
    }
}
