using System.Globalization;
using System.Text.Json;
using AgroNT.Transforms.Embeddings;
using AgroNT.Transforms.Tokenization;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace AgroNT.Transforms.Onnx;

/// <summary>
/// Turns DNA into AgroNT embeddings with ONNX Runtime, no libtorch needed: tokenizes (with the tokenizer's length
/// policy), sorts inputs by length into padded batches (<see cref="LengthBuckets"/>, as the TorchSharp embedder does),
/// runs one <see cref="InferenceSession"/> call per batch and pools each sequence's real positions with the shared
/// <see cref="EmbeddingPooler"/>. Padding is masked, so an embedding does not depend on its batch. Thread-safe:
/// ONNX Runtime allows concurrent runs of one session.
/// </summary>
/// <remarks>
/// A model folder holds <c>model.onnx</c> (its weights may lie in external data files beside it, such as
/// <c>model.onnx.data</c>, as they must for models over 2 GB), <c>config.json</c> and <c>vocab.txt</c> (plus the
/// tokenizer JSON files), as <c>agront export-onnx</c> writes it. The graph takes int64 <c>input_ids</c> and
/// <c>attention_mask</c> <c>[batch, sequence]</c> and exposes <c>last_hidden_state</c> and optionally
/// <c>hidden_state_L</c> outputs. ONNX Runtime computes every node of the graph on each run, whichever output is read.
/// </remarks>
public sealed class AgroNTOnnxEmbedder : IDnaEmbedder
{
    /// <summary>The graph file in a model folder.</summary>
    public const string ModelFileName = "model.onnx";

    /// <summary>Name of the graph input holding token ids.</summary>
    public const string InputIdsName = "input_ids";

    /// <summary>Name of the graph input holding the 0/1 attention mask.</summary>
    public const string AttentionMaskName = "attention_mask";

    /// <summary>Name of the graph output holding the last layer after the final LayerNorm.</summary>
    public const string LastHiddenStateName = "last_hidden_state";

    /// <summary>Prefix of the graph outputs holding intermediate hidden states: <c>hidden_state_L</c>.</summary>
    public const string HiddenStatePrefix = "hidden_state_";

    private readonly InferenceSession _session;
    private readonly SessionOptions _sessionOptions;
    private readonly RunOptions _runOptions = new();
    private readonly string[] _inputNames;
    private readonly string[] _outputNames;
    private readonly bool _int32Inputs;
    private readonly int[] _basesPerId;
    private readonly bool _hasCls;
    private readonly int _padId;
    private long _realTokens;
    private long _computedTokens;

    /// <summary>Opens a model folder and creates the ONNX Runtime session.</summary>
    /// <param name="modelFolder">Folder with <c>model.onnx</c>, <c>config.json</c> and <c>vocab.txt</c>.</param>
    /// <param name="options">Layer, pooling, batching, tokenizer and runtime settings.</param>
    /// <exception cref="FileNotFoundException">A file of the model folder is missing.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The layer is not exposed by the graph, or a batching bound is not positive.</exception>
    /// <exception cref="InvalidOperationException">CUDA was requested but the native runtime has no CUDA provider.</exception>
    /// <exception cref="InvalidDataException">The graph lacks the expected inputs or outputs.</exception>
    public AgroNTOnnxEmbedder(string modelFolder, AgroNTOnnxEmbedderOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(modelFolder);
        Options = options ?? new AgroNTOnnxEmbedderOptions();
        Options.Validate();

        // A folder, or a Hub id whose cached snapshot holds an agront export-onnx folder.
        ModelFolder = Directory.Exists(modelFolder) ? Path.GetFullPath(modelFolder) : ModelFolders.ModelFolder.Open(modelFolder).Path;
        string modelPath = Path.Combine(ModelFolder, ModelFileName);
        if (!File.Exists(modelPath))
        {
            ThrowHelper.ThrowMissingOnnxFile(ModelFolder, ModelFileName);
        }
        if (!File.Exists(Path.Combine(ModelFolder, "config.json")))
        {
            ThrowHelper.ThrowMissingOnnxFile(ModelFolder, "config.json");
        }
        var config = ModelFolders.EsmConfig.FromFile(ModelFolder);
        Tokenizer = SequenceTokenizer.FromModelFolder(ModelFolder, Options.Tokenizer);
        _hasCls = Tokenizer.Options.AddClsToken;
        _padId = config.PadTokenId;
        _basesPerId = ModelInputs.BasesPerId(Tokenizer.Vocabulary);

        _sessionOptions = CreateSessionOptions(Options);
        try
        {
            _session = new InferenceSession(modelPath, _sessionOptions);
        }
        catch
        {
            _sessionOptions.Dispose();
            _runOptions.Dispose();
            throw;
        }

        try
        {
            var inputs = _session.InputMetadata;
            if (!inputs.TryGetValue(InputIdsName, out var ids))
            {
                ThrowHelper.ThrowInvalidData($"{modelPath} has no graph input '{InputIdsName}'; its inputs are {string.Join(", ", inputs.Keys)}. Export the model with agront export-onnx.");
            }
            _int32Inputs = ids.ElementDataType == TensorElementType.Int32;
            _inputNames = inputs.ContainsKey(AttentionMaskName) ? [InputIdsName, AttentionMaskName] : [InputIdsName];

            AvailableLayers = ExposedLayers(_session.OutputMetadata.Keys, config.NumHiddenLayers);
            NumHiddenLayers = config.NumHiddenLayers;
            Layer = Options.Layer ?? config.NumHiddenLayers;
            OutputName = OutputFor(Layer, config.NumHiddenLayers, _session.OutputMetadata.Keys, modelPath, AvailableLayers);
            _outputNames = [OutputName];
            var output = _session.OutputMetadata[OutputName];
            if (output.ElementDataType != TensorElementType.Float)
            {
                ThrowHelper.ThrowInvalidData($"{modelPath}: output '{OutputName}' holds {output.ElementDataType}; the embedder reads float32 hidden states.");
            }
            int lastDim = output.Dimensions.Length == 3 ? output.Dimensions[2] : -1;
            HiddenSize = lastDim > 0 ? lastDim : config.HiddenSize;
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>The model folder, as a full path.</summary>
    public string ModelFolder { get; }

    /// <summary>The options in force.</summary>
    public AgroNTOnnxEmbedderOptions Options { get; }

    /// <summary>The tokenizer built from the folder's <c>vocab.txt</c> and <see cref="AgroNTOnnxEmbedderOptions.Tokenizer"/>.</summary>
    public SequenceTokenizer Tokenizer { get; }

    /// <summary>The layer pooled (Hugging Face numbering; the last, <see cref="NumHiddenLayers"/>, unless the options name one).</summary>
    public int Layer { get; }

    /// <summary>The number of transformer layers (config.json <c>num_hidden_layers</c>, read through <see cref="ModelFolders.EsmConfig"/>).</summary>
    public int? NumHiddenLayers { get; }

    /// <summary>The graph output read: <c>last_hidden_state</c> or <c>hidden_state_L</c>.</summary>
    public string OutputName { get; }

    /// <summary>The hidden-state layers the graph exposes, ascending (the last layer when <c>last_hidden_state</c> is there).</summary>
    public IReadOnlyList<int> AvailableLayers { get; }

    /// <summary>Hidden size: the length of <see cref="Pooling.Mean"/> and <see cref="Pooling.Cls"/> vectors.</summary>
    public int HiddenSize { get; }

    /// <summary>Length of every vector this embedder returns, or <see langword="null"/> when it varies (per-token pooling).</summary>
    public int? VectorLength => Options.Pooling is Pooling.Mean or Pooling.Cls ? HiddenSize : null;

    /// <summary>Tokens of real input embedded so far (all calls).</summary>
    public long RealTokens => Interlocked.Read(ref _realTokens);

    /// <summary>Token positions computed so far, padding included; <c>1 - RealTokens / ComputedTokens</c> is the padding waste.</summary>
    public long ComputedTokens => Interlocked.Read(ref _computedTokens);

    /// <summary>Embeds one sequence.</summary>
    /// <param name="sequence">DNA text.</param>
    /// <param name="name">The record's name for error messages.</param>
    /// <returns>The pooled vector.</returns>
    public float[] Embed(string sequence, string? name = null) => Embed([sequence], name is null ? null : [name])[0];

    /// <summary>Embeds sequences, in order. Long inputs follow the tokenizer's length policy (error, truncate or windows).</summary>
    /// <param name="sequences">DNA text.</param>
    /// <param name="names">Record names for error messages, parallel to <paramref name="sequences"/>.</param>
    /// <param name="cancellationToken">Checked between batches.</param>
    /// <returns>One vector per sequence.</returns>
    /// <remarks>The strand read is <see cref="DnaEmbeddingOptions.Strand"/>.</remarks>
    public IReadOnlyList<float[]> Embed(IReadOnlyList<string> sequences, IReadOnlyList<string>? names = null, CancellationToken cancellationToken = default) =>
        StrandEmbedding.Embed(Options.Strand, Options.Pooling, HiddenSize, Tokenizer.Options, sequences, names, (texts, textNames) =>
        {
            var inputs = ModelInputs.Tokenize(Tokenizer, texts, textNames);
            return inputs.Combine(EmbedTokenIds(inputs.Inputs, cancellationToken), Options.Pooling, Options.WindowAggregation);
        });

    /// <summary>
    /// Embeds already tokenized model inputs (each starting with <c>&lt;cls&gt;</c> when the tokenizer adds it, at most the
    /// model's window, no padding). Inputs are sorted by length into batches; results come back in input order.
    /// </summary>
    /// <param name="inputs">Token ids of each input.</param>
    /// <param name="cancellationToken">Checked between batches.</param>
    /// <returns>One pooled vector per input.</returns>
    /// <exception cref="ArgumentException">An input is empty, longer than the window, or holds an id outside the vocabulary.</exception>
    public IReadOnlyList<float[]> EmbedTokenIds(IReadOnlyList<int[]> inputs, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        for (int i = 0; i < inputs.Count; i++)
        {
            CheckInput(inputs[i], i);
        }
        var results = new float[inputs.Count][];
        var lengths = inputs.Select(ids => ids.Length).ToArray();
        var progress = new EmbeddingProgressCounter(Options.Progress, lengths);
        foreach (int[] batch in LengthBuckets.Plan(lengths, Options.BatchSize, Options.MaxBatchTokens, Options.MaxPaddingFraction))
        {
            cancellationToken.ThrowIfCancellationRequested();
            RunBatch(inputs, batch, results);
            progress.Done(batch);
        }
        return results;
    }

    /// <summary>Releases the ONNX Runtime session.</summary>
    public void Dispose()
    {
        _session?.Dispose();
        _sessionOptions?.Dispose();
        _runOptions.Dispose();
    }

    private void CheckInput(int[] ids, int index)
    {
        ArgumentNullException.ThrowIfNull(ids, nameof(ids));
        if (ids.Length == 0 || ids.Length > Tokenizer.MaxTokens)
        {
            ThrowHelper.ThrowArgument("inputs", string.Create(CultureInfo.InvariantCulture,
                $"Input {index} has {ids.Length} tokens; a model input has 1 to {Tokenizer.MaxTokens} (the window, <cls> included). Tokenize with a LengthPolicy that truncates or windows."));
        }
        int vocabulary = Tokenizer.Vocabulary.Count;
        foreach (int id in ids)
        {
            if ((uint)id >= (uint)vocabulary)
            {
                ThrowHelper.ThrowArgument("inputs", string.Create(CultureInfo.InvariantCulture,
                    $"Input {index} holds token id {id}, outside the vocabulary [0, {vocabulary})."));
            }
        }
    }

    private void RunBatch(IReadOnlyList<int[]> inputs, int[] batch, float[][] results)
    {
        var padded = TokenBatch.Pad(inputs, batch, _padId);
        int rows = padded.Count, length = padded.SequenceLength;
        Interlocked.Add(ref _computedTokens, padded.ComputedTokens);
        Interlocked.Add(ref _realTokens, padded.RealTokens);

        long[] shape = [rows, length];
        using var idsValue = CreateInput(padded.InputIds, shape);
        using var maskValue = CreateInput(padded.AttentionMask, shape);
        OrtValue[] feeds = _inputNames.Length == 2 ? [idsValue, maskValue] : [idsValue];
        using var outputs = _session.Run(_runOptions, _inputNames, feeds, _outputNames);
        ReadOnlySpan<float> hidden = outputs[0].GetTensorDataAsSpan<float>();
        long[] outputShape = outputs[0].GetTensorTypeAndShape().Shape;
        if (outputShape.Length != 3 || outputShape[0] != rows || outputShape[1] != length || outputShape[2] != HiddenSize)
        {
            ThrowHelper.ThrowInvalidData($"The graph output '{OutputName}' has shape [{string.Join(", ", outputShape)}]; expected [{rows}, {length}, {HiddenSize}].");
        }

        EmbeddingPooler.PoolRows(padded, batch, hidden, HiddenSize, Options.Pooling, _hasCls, _basesPerId, results, Tokenizer.AppendsEos ? Tokenizer.Vocabulary.EosId : null);
    }

    private OrtValue CreateInput(int[] values, long[] shape) =>
        _int32Inputs
            ? OrtValue.CreateTensorValueFromMemory(values, shape)
            : OrtValue.CreateTensorValueFromMemory(Array.ConvertAll(values, v => (long)v), shape);

    private static SessionOptions CreateSessionOptions(AgroNTOnnxEmbedderOptions options)
    {
        var sessionOptions = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
        };
        try
        {
            if (options.IntraOpThreads is { } threads)
            {
                ArgumentOutOfRangeException.ThrowIfNegativeOrZero(threads, nameof(options));
                sessionOptions.IntraOpNumThreads = threads;
            }
            if (options.ExecutionProvider == OnnxExecutionProvider.Cuda)
            {
                string[] available = OrtEnv.Instance().GetAvailableProviders();
                if (!available.Contains("CUDAExecutionProvider", StringComparer.Ordinal))
                {
                    ThrowHelper.ThrowNoCudaProvider(available);
                }
                sessionOptions.AppendExecutionProvider_CUDA(options.CudaDeviceId);
            }
            return sessionOptions;
        }
        catch
        {
            sessionOptions.Dispose();
            throw;
        }
    }

    private static int[] ExposedLayers(IEnumerable<string> outputs, int? depth)
    {
        var layers = new SortedSet<int>();
        foreach (string name in outputs)
        {
            if (name == LastHiddenStateName && depth is { } n)
            {
                layers.Add(n);
            }
            else if (name.StartsWith(HiddenStatePrefix, StringComparison.Ordinal)
                && int.TryParse(name.AsSpan(HiddenStatePrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out int layer))
            {
                layers.Add(layer);
            }
        }
        return [.. layers];
    }

    private static string OutputFor(int layer, int? depth, IEnumerable<string> outputs, string modelPath, IReadOnlyList<int> available)
    {
        var names = outputs.ToHashSet(StringComparer.Ordinal);
        string wanted = layer == depth || layer < 0 ? LastHiddenStateName : HiddenStatePrefix + layer.ToString(CultureInfo.InvariantCulture);
        if (names.Contains(wanted))
        {
            return wanted;
        }
        string alternative = HiddenStatePrefix + layer.ToString(CultureInfo.InvariantCulture);
        if (layer >= 0 && names.Contains(alternative))
        {
            return alternative;
        }
        ThrowHelper.ThrowLayerNotExposed(modelPath, layer, depth, available);
        return wanted;
    }
}
