using AgroNT.MLNet.Native;
using TorchSharp;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace AgroNT.MLNet.Modeling;

/// <summary>
/// Hidden states of one forward pass. Layer numbering follows Hugging Face's <c>hidden_states</c>: 0 is the
/// embedding output, N (the last layer) is taken after the final LayerNorm and equals <see cref="LastHiddenState"/>.
/// </summary>
/// <param name="LastHiddenState">The last computed hidden state <c>[B, T, H]</c>: layer N after the final LayerNorm, or the requested <c>UpToLayer</c>.</param>
/// <param name="HiddenStates">Every hidden state 0..N when requested, otherwise empty.</param>
public sealed record EsmEncoderOutput(Tensor LastHiddenState, IReadOnlyList<Tensor> HiddenStates);

/// <summary>The ESM encoder without a head (<c>esm.*</c>): embeddings and transformer layers.</summary>
public sealed class EsmModel : nn.Module
{
    [ComponentName(Name = "embeddings")]
    private readonly EsmEmbeddings _embeddings;

    [ComponentName(Name = "encoder")]
    private readonly EsmEncoder _encoder;

    /// <summary>Creates the encoder for <paramref name="config"/> (random weights; load a checkpoint afterwards).</summary>
    public EsmModel(EsmConfig config, Device? device = null, ScalarType? dtype = null) : base("esm")
    {
        config.Validate();
        Config = config;
        _embeddings = new EsmEmbeddings(config, device, dtype);
        _encoder = new EsmEncoder(config, device, dtype);
        RegisterComponents();
    }

    /// <summary>The architecture.</summary>
    public EsmConfig Config { get; }

    /// <summary>The embedding tables.</summary>
    internal EsmEmbeddings Embeddings => _embeddings;

    /// <summary>The transformer layers and final LayerNorm.</summary>
    internal EsmEncoder Encoder => _encoder;

    /// <summary>Sets the attention kernel of every layer.</summary>
    public void SetAttentionKernel(AttentionKernel kernel)
    {
        foreach (var layer in _encoder.Layers)
        {
            layer.Attention.Self.Kernel = kernel;
        }
    }

    /// <summary>
    /// Runs the encoder. <paramref name="inputIds"/> and <paramref name="attentionMask"/> are int64 <c>[batch, tokens]</c>
    /// (a null mask means every position is real). With <paramref name="upToLayer"/> below the depth, the layers above
    /// it are not computed and <see cref="EsmEncoderOutput.LastHiddenState"/> is that layer's output (no final LayerNorm).
    /// </summary>
    /// <exception cref="ArgumentException">More tokens than the absolute position table holds, or ids outside the vocabulary.</exception>
    public EsmEncoderOutput Forward(Tensor inputIds, Tensor? attentionMask = null, bool outputHiddenStates = false, int? upToLayer = null)
    {
        int last = LastLayer(upToLayer);
        CheckInputs(inputIds);
        attentionMask ??= ones_like(inputIds);

        var hidden = _embeddings.forward(inputIds, attentionMask);
        var states = new List<Tensor>();
        bool checkpoint = _encoder.ActivationCheckpointing && training && is_grad_enabled();
        // Batches without padding (full windows, one sequence) attend without a mask; the checkpointed path keeps one.
        var additiveMask = checkpoint || HasPadding(attentionMask) ? AdditiveMask(attentionMask, hidden.dtype) : null;
        if (checkpoint && !hidden.requires_grad)
        {
            // The checkpoint node is recorded only when an input needs a gradient; with a frozen embedding table
            // (adapters) nothing would, and the layers' adapter parameters would get no gradient.
            var leaf = hidden.detach().requires_grad_(true);
            hidden.Dispose();
            hidden = leaf;
        }
        bool hasDropout = Config.HiddenDropoutProb > 0 || Config.AttentionProbsDropoutProb > 0;
        var layout = AttentionLayout.Padded(additiveMask);
        hidden = RunLayers(hidden, last, outputHiddenStates ? states : null,
            (layer, input) => checkpoint ? LayerCheckpoint.Run(layer, input, additiveMask!, hasDropout) : layer.forward(input, layout));
        if (outputHiddenStates)
        {
            states.Add(hidden);
        }
        additiveMask?.Dispose();
        return new EsmEncoderOutput(hidden, states);
    }

    /// <summary>
    /// Runs the encoder on sequences packed end to end, without padding (<see cref="AttentionLayout.Packed"/>): every
    /// projection is one product over all the rows however different the lengths, and each sequence attends only to
    /// itself, so nothing is computed for padding. Each sequence's rows equal those of a padded
    /// <see cref="Forward"/> (to float rounding: products of a different row count may sum in another order).
    /// Inference only: call it under <c>no_grad</c>.
    /// </summary>
    /// <param name="rows">The model inputs (<c>&lt;cls&gt;</c> included where the tokenizer adds it), each at least one token.</param>
    /// <param name="upToLayer">As in <see cref="Forward"/>: the layer whose output is returned; the last (after the final LayerNorm) when null.</param>
    /// <returns>The hidden states <c>[N, H]</c>, row after row in input order (<c>N</c> = total tokens).</returns>
    /// <exception cref="InvalidOperationException">Gradients are enabled.</exception>
    /// <exception cref="ArgumentException">A row is empty, longer than the window, or holds an id outside the vocabulary.</exception>
    internal Tensor ForwardPacked(IReadOnlyList<int[]> rows, int? upToLayer = null)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (is_grad_enabled())
        {
            throw new InvalidOperationException("The packed forward pass is for inference: run it under no_grad (training uses the padded Forward).");
        }
        int last = LastLayer(upToLayer);
        var packed = PackedInputs.Build(rows, Config);
        var device = Embeddings.WordEmbeddingWeight.device;
        Tensor hidden;
        using (var scope = NewDisposeScope())
        {
            var ids = tensor(packed.InputIds, device: device);
            var positions = tensor(packed.Positions, device: device);
            Tensor? denominator = null;
            if (Config.TokenDropout)
            {
                // Each sequence's own, as the padded pass computes it, repeated over the sequence's rows.
                var lengths = tensor(packed.Lengths, device: device);
                denominator = EsmEmbeddings.TokenDropoutDenominator(tensor(packed.MaskCounts, device: device), lengths).repeat_interleave(lengths, 0).unsqueeze(-1);
            }
            hidden = _embeddings.ForwardPacked(ids, positions, denominator).MoveToOuterDisposeScope();
        }
        var layout = AttentionLayout.Packed(packed.Lengths);
        return RunLayers(hidden, last, null, (layer, input) => layer.forward(input, layout));
    }

    /// <summary>The layer a pass stops after: <paramref name="upToLayer"/>, or the last when null.</summary>
    private int LastLayer(int? upToLayer)
    {
        int depth = Config.NumHiddenLayers;
        int last = upToLayer ?? depth;
        if (last < 0 || last > depth)
        {
            throw new ArgumentOutOfRangeException(nameof(upToLayer), last, $"Layer must be between 0 (embeddings) and {depth} (the last layer).");
        }
        return last;
    }

    /// <summary>
    /// Runs layers 0..<paramref name="last"/>-1 on <paramref name="hidden"/> through <paramref name="runLayer"/>, one
    /// dispose scope per layer (so a 40-layer pass holds one layer's intermediates), keeping each layer's input in
    /// <paramref name="states"/> when given and disposing it otherwise; after the last layer of the model, applies the
    /// final LayerNorm.
    /// </summary>
    private Tensor RunLayers(Tensor hidden, int last, List<Tensor>? states, Func<EsmLayer, Tensor, Tensor> runLayer)
    {
        for (int i = 0; i < last; i++)
        {
            states?.Add(hidden);
            using var scope = NewDisposeScope();
            var next = runLayer(_encoder.Layers[i], hidden).MoveToOuterDisposeScope();
            scope.Dispose();
            if (states is null)
            {
                hidden.Dispose();
            }
            hidden = next;
        }
        if (last == Config.NumHiddenLayers)
        {
            var normed = _encoder.FinalLayerNorm.forward(hidden);
            if (states is null)
            {
                hidden.Dispose();
            }
            hidden = normed;
        }
        return hidden;
    }

    private static bool HasPadding(Tensor attentionMask)
    {
        if (attentionMask.numel() == 0 || attentionMask.device_type == DeviceType.META)
        {
            return false;
        }
        using var padding = attentionMask.eq(TorchScalars.Integer(0));
        using var any = padding.any();
        return any.item<bool>();
    }

    /// <summary>Turns a 0/1 mask <c>[B, T]</c> into the additive <c>[B, 1, 1, T]</c> form: 0 for real tokens, the dtype's minimum for padding.</summary>
    internal static Tensor AdditiveMask(Tensor attentionMask, ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        double minimum = dtype switch
        {
            ScalarType.Float32 => float.MinValue,
            ScalarType.BFloat16 => -3.3895313892515355e38,
            ScalarType.Float16 => -65504.0,
            _ => double.MinValue,
        };
        // (1 - mask) * finfo.min, as Hugging Face builds its extended attention mask.
        var inverted = ones(attentionMask.shape, dtype: dtype, device: attentionMask.device).sub(attentionMask.to(dtype));
        return inverted.mul(TorchScalars.Real(minimum)).unsqueeze(1).unsqueeze(1).MoveToOuterDisposeScope();
    }

    private void CheckInputs(Tensor inputIds)
    {
        if (inputIds.dim() != 2)
        {
            throw new ArgumentException($"input_ids must be [batch, tokens], got shape [{string.Join(", ", inputIds.shape)}].", nameof(inputIds));
        }
        long tokens = inputIds.shape[1];
        // A rotary model has no position table to run past (Hugging Face runs it on any length); the tokenizer's window still applies.
        if (!Config.IsRotary && tokens > Config.MaxTokens)
        {
            throw new ArgumentException(
                $"{tokens} tokens exceed the model's window of {Config.MaxTokens} (including <cls>); truncate or window the input (tokenizer LengthPolicy).", nameof(inputIds));
        }
        if (inputIds.numel() > 0 && inputIds.device_type != DeviceType.META)
        {
            long min = inputIds.min().item<long>(), max = inputIds.max().item<long>();
            if (min < 0 || max >= Config.VocabSize)
            {
                throw new ArgumentException($"token ids must lie in [0, {Config.VocabSize}); found {(min < 0 ? min : max)}.", nameof(inputIds));
            }
        }
    }
}
