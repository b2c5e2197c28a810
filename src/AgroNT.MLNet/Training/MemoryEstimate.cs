using System.Globalization;
using AgroNT.MLNet.Modeling;
using AgroNT.MLNet.Training.FineTuning;

namespace AgroNT.MLNet.Training;

/// <summary>
/// The expected peak memory of a fine-tuning run, so that a run that cannot fit is refused before it starts rather
/// than killed by the operating system mid-step: weights, gradients and AdamW states of the trained parameters, the
/// activations autograd keeps for one micro-batch, and a fixed allowance for the runtime.
/// </summary>
/// <remarks>
/// Activations are counted in elements per token (4 bytes each in float32, 2 in bfloat16). Without checkpointing a layer keeps, for
/// the backward pass, its input, the attention LayerNorm output, query, key and value, the attention output and its
/// contiguous copy, the attention block's output, the feed-forward LayerNorm output, the intermediate projection and
/// its GELU (9H + 2I), plus IA3's pre-scale key and value and pre-scale GELU output (2H + I) and one float per head
/// (the fused attention's log-sum-exp; no T x T probabilities are kept). With checkpointing a layer keeps only its
/// input (H), and the layer being recomputed holds its intermediates twice over (its activations and their
/// gradients). Either way 4H per token cover the embedding output, final LayerNorm and pooling.
/// </remarks>
/// <param name="WeightBytes">Every parameter: encoder and masked-LM head (bfloat16 or float32), adapters and task head (float32).</param>
/// <param name="TrainedParameters">Parameters the optimiser updates.</param>
/// <param name="GradientBytes">Gradients of the trained parameters.</param>
/// <param name="OptimizerBytes">AdamW's two moments of the trained parameters, and the best-so-far copy kept for early stopping.</param>
/// <param name="ActivationBytes">Activations of one micro-batch kept for its backward pass.</param>
/// <param name="OverheadBytes">The .NET and libtorch runtimes, tokenized batches and allocator slack: a fixed allowance.</param>
/// <param name="MicroBatchSize">Sequences per forward/backward pass the estimate is for.</param>
/// <param name="Tokens">Tokens per sequence the estimate is for.</param>
/// <param name="Checkpointing">Whether the estimate assumes activation checkpointing.</param>
public sealed record MemoryEstimate(long WeightBytes, long TrainedParameters, long GradientBytes, long OptimizerBytes, long ActivationBytes,
    long OverheadBytes, int MicroBatchSize, int Tokens, bool Checkpointing)
{
    /// <summary>The runtime allowance: 512 MiB.</summary>
    public const long RuntimeOverheadBytes = 512L << 20;

    private const int Float32 = 4;
    private static readonly string[] s_units = ["B", "KiB", "MiB", "GiB", "TiB"];

    /// <summary>
    /// The peak while the model loads, when it exceeds training's: a bfloat16 encoder is converted from the float32
    /// checkpoint, so for a moment both copies are held. 0 when loading is not the peak's cause.
    /// </summary>
    public long LoadingBytes { get; init; }

    /// <summary>The expected peak: the sum of the parts, or the loading peak when that is higher.</summary>
    public long TotalBytes => Math.Max(WeightBytes + GradientBytes + OptimizerBytes + ActivationBytes + OverheadBytes, LoadingBytes);

    /// <summary>
    /// Parameters of the whole <see cref="EsmForMaskedLM"/> network this library builds (embeddings, layers, final
    /// LayerNorm, masked-LM head): <see cref="AgroNTModelInfo.CountParameters"/> less the contact-prediction head.
    /// </summary>
    public static long NetworkParameterCount(EsmConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return AgroNTModelInfo.CountParameters(config) - ((long)config.NumHiddenLayers * config.NumAttentionHeads + 1);
    }

    /// <summary>Parameters of the task head: a dense H x H layer and the H x outputs projection, with biases.</summary>
    public static long HeadParameterCount(EsmConfig config, int outputs)
    {
        ArgumentNullException.ThrowIfNull(config);
        long h = config.HiddenSize;
        return h * h + h + h * outputs + outputs;
    }

    /// <summary>Parameters the adapters of <paramref name="method"/> add to the encoder (none for full fine-tuning).</summary>
    public static long AdapterParameterCount(EsmConfig config, FineTuningMethod method, LoraOptions? lora = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        long h = config.HiddenSize, i = config.IntermediateSize;
        switch (method)
        {
            case FineTuningMethod.Ia3:
                // Key and value scales (H each) and the feed-forward output's input scale (I).
                return config.NumHiddenLayers * (2 * h + i);
            case FineTuningMethod.Lora:
                lora ??= new LoraOptions();
                (string Name, long In, long Out)[] linears =
                [
                    ("attention.self.query", h, h), ("attention.self.key", h, h), ("attention.self.value", h, h),
                    ("attention.output.dense", h, h), ("intermediate.dense", h, i), ("output.dense", i, h),
                ];
                long perLayer = linears.Where(l => lora.TargetModules.Any(t => EncoderAdapters.Matches("encoder.layer.0." + l.Name, t)))
                    .Sum(l => lora.Rank * (l.In + l.Out));
                return config.NumHiddenLayers * perLayer;
            default:
                return 0;
        }
    }

    /// <summary>Activation elements per token of one layer kept for the backward pass without checkpointing.</summary>
    public static long LayerActivationElementsPerToken(EsmConfig config, FineTuningMethod method)
    {
        ArgumentNullException.ThrowIfNull(config);
        long h = config.HiddenSize, i = config.IntermediateSize;
        long plain = 9 * h + 2 * i + config.NumAttentionHeads;
        return method == FineTuningMethod.Ia3 ? plain + 2 * h + i : plain;
    }

    /// <summary>Activation bytes kept for the backward pass of <paramref name="sequences"/> sequences of <paramref name="tokens"/> tokens.</summary>
    /// <param name="config">The model's architecture.</param>
    /// <param name="method">The fine-tuning method (IA3 keeps three more tensors per layer).</param>
    /// <param name="sequences">Sequences in the micro-batch.</param>
    /// <param name="tokens">Tokens per sequence.</param>
    /// <param name="checkpointing">Whether layers are recomputed in the backward pass.</param>
    /// <param name="precision">The encoder's precision: 4 bytes an element in float32, 2 in bfloat16.</param>
    public static long ActivationBytesFor(EsmConfig config, FineTuningMethod method, int sequences, int tokens, bool checkpointing,
        Precision precision = Precision.Float32)
    {
        ArgumentNullException.ThrowIfNull(config);
        long perLayer = LayerActivationElementsPerToken(config, method);
        long h = config.HiddenSize, layers = config.NumHiddenLayers;
        long perToken = checkpointing ? layers * h + 2 * perLayer + 4 * h : (layers + 1) * perLayer + 4 * h;
        return (long)sequences * tokens * perToken * BytesPerElement(precision);
    }

    /// <summary>Estimates a fine-tuning run of <paramref name="options"/> on sequences of <paramref name="tokens"/> tokens.</summary>
    /// <param name="config">The model's architecture.</param>
    /// <param name="options">Method, batch and micro-batch size.</param>
    /// <param name="tokens">Tokens of the longest sequence, <c>&lt;cls&gt;</c> included.</param>
    /// <param name="outputs">Outputs of the task head.</param>
    /// <param name="checkpointing">Whether layers are recomputed in the backward pass.</param>
    public static MemoryEstimate ForFineTuning(EsmConfig config, FineTuningOptions options, int tokens, int outputs, bool checkpointing)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(options);
        long network = NetworkParameterCount(config);
        long adapters = AdapterParameterCount(config, options.Method, options.Lora);
        long head = HeadParameterCount(config, outputs);
        long encoderTrained = options.Method == FineTuningMethod.Full ? network - (config.HiddenSize * config.HiddenSize + 3 * config.HiddenSize + (long)config.HiddenSize * config.VocabSize + config.VocabSize) : adapters;
        long trained = encoderTrained + head;
        int micro = options.EffectiveMicroBatchSize;
        return new MemoryEstimate(
            network * BytesPerElement(options.Precision) + (adapters + head) * Float32, trained, trained * Float32, 3 * trained * Float32,
            ActivationBytesFor(config, options.Method, micro, tokens, checkpointing, options.Precision), RuntimeOverheadBytes, micro, tokens, checkpointing)
        {
            LoadingBytes = options.Precision == Precision.BFloat16 ? network * (Float32 + 2) + RuntimeOverheadBytes : 0,
        };
    }

    /// <summary>
    /// Estimates masked-language-model pretraining (<see cref="AgroNTPretrainer"/>): every parameter trained by AdamW,
    /// float32 master weights (plus a bfloat16 working copy and its gradients in bfloat16), and the activations of the
    /// layers (all of them, or with <paramref name="checkpointing"/> one input per layer plus one layer recomputed) and of
    /// the masked-LM head (4H + 2V per token: its dense, GELU, LayerNorm and decoder inputs, the logits and their
    /// log-softmax).
    /// </summary>
    /// <param name="config">The model's architecture.</param>
    /// <param name="microBatchSize">Windows per forward/backward pass.</param>
    /// <param name="tokens">Tokens per window, <c>&lt;cls&gt;</c> included.</param>
    /// <param name="precision">Compute precision.</param>
    /// <param name="checkpointing">Whether layers are recomputed in the backward pass.</param>
    public static MemoryEstimate ForPretraining(EsmConfig config, int microBatchSize, int tokens, Precision precision = Precision.Float32, bool checkpointing = false)
    {
        ArgumentNullException.ThrowIfNull(config);
        long parameters = NetworkParameterCount(config);
        int working = precision == Precision.BFloat16 ? 2 : 0;
        long h = config.HiddenSize, v = config.VocabSize;
        long layerBytes = ActivationBytesFor(config, FineTuningMethod.Full, microBatchSize, tokens, checkpointing, precision);
        long headBytes = (long)microBatchSize * tokens * (4 * h + 2 * v) * BytesPerElement(precision);
        return new MemoryEstimate(parameters * (Float32 + working), parameters, parameters * (Float32 + working), 2 * parameters * Float32,
            layerBytes + headBytes, RuntimeOverheadBytes, microBatchSize, tokens, checkpointing);
    }

    /// <summary>
    /// The largest micro-batch, at most <see cref="FineTuningOptions.BatchSize"/>, whose estimate fits in
    /// <paramref name="budgetBytes"/>: without checkpointing when <paramref name="checkpointing"/> allows and some
    /// micro-batch fits so (recomputation costs about a third more compute per step), else with it;
    /// <see langword="null"/> when not even one sequence fits.
    /// </summary>
    public static (int MicroBatchSize, bool Checkpointing)? Suggest(EsmConfig config, FineTuningOptions options, int tokens, int outputs,
        long budgetBytes, ActivationCheckpointing checkpointing)
    {
        ArgumentNullException.ThrowIfNull(options);
        bool[] modes = checkpointing switch
        {
            ActivationCheckpointing.On => [true],
            ActivationCheckpointing.Off => [false],
            _ => [false, true],
        };
        foreach (bool mode in modes)
        {
            for (int micro = options.BatchSize; micro >= 1; micro--)
            {
                if (ForFineTuning(config, options with { MicroBatchSize = micro }, tokens, outputs, mode).TotalBytes <= budgetBytes)
                {
                    return (micro, mode);
                }
            }
        }
        return null;
    }

    private static int BytesPerElement(Precision precision) => precision == Precision.BFloat16 ? 2 : Float32;

    /// <summary>The memory this process could still use: the lower of the runtime's limit (a container's included) and the system's available memory.</summary>
    public static long AvailableBytes()
    {
        long limit = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        try
        {
            if (File.Exists("/proc/meminfo"))
            {
                foreach (string line in File.ReadLines("/proc/meminfo"))
                {
                    if (line.StartsWith("MemAvailable:", StringComparison.Ordinal))
                    {
                        string[] parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                        long available = long.Parse(parts[1], CultureInfo.InvariantCulture) * 1024;
                        return Math.Min(limit, available);
                    }
                }
            }
        }
        catch (IOException)
        {
            // Fall back to the runtime's figure.
        }
        return limit;
    }

    /// <summary>A byte count in binary units, e.g. <c>15.2 GiB</c>.</summary>
    public static string FormatBytes(long bytes)
    {
        double value = bytes;
        int unit = 0;
        while (Math.Abs(value) >= 1024 && unit < s_units.Length - 1)
        {
            value /= 1024;
            unit++;
        }
        return unit == 0 ? string.Create(CultureInfo.InvariantCulture, $"{bytes} B") : string.Create(CultureInfo.InvariantCulture, $"{value:0.0} {s_units[unit]}");
    }

    /// <summary>One line: the total and its parts.</summary>
    public override string ToString()
    {
        string parts = string.Create(CultureInfo.InvariantCulture,
            $"{FormatBytes(TotalBytes)}: weights {FormatBytes(WeightBytes)} + gradients {FormatBytes(GradientBytes)} + optimiser {FormatBytes(OptimizerBytes)} "
            + $"+ activations {FormatBytes(ActivationBytes)} ({MicroBatchSize} x {Tokens} tokens, checkpointing {(Checkpointing ? "on" : "off")}) + runtime {FormatBytes(OverheadBytes)}");
        return TotalBytes == LoadingBytes
            ? parts + $" (training); {FormatBytes(LoadingBytes)} while loading (float32 checkpoint converted to bfloat16) sets the peak"
            : parts;
    }
}
