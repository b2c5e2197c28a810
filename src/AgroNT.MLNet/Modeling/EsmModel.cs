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
        int depth = Config.NumHiddenLayers;
        int last = upToLayer ?? depth;
        if (last < 0 || last > depth)
        {
            throw new ArgumentOutOfRangeException(nameof(upToLayer), last, $"Layer must be between 0 (embeddings) and {depth} (the last layer).");
        }
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
        for (int i = 0; i < last; i++)
        {
            if (outputHiddenStates)
            {
                states.Add(hidden);
            }
            // One dispose scope per layer bounds the intermediates of a 40-layer pass to one layer's worth.
            using var scope = NewDisposeScope();
            var next = (checkpoint
                ? LayerCheckpoint.Run(_encoder.Layers[i], hidden, additiveMask!, hasDropout)
                : _encoder.Layers[i].forward(hidden, additiveMask)).MoveToOuterDisposeScope();
            scope.Dispose();
            if (!outputHiddenStates)
            {
                hidden.Dispose();
            }
            hidden = next;
        }
        if (last == depth)
        {
            var normed = _encoder.FinalLayerNorm.forward(hidden);
            if (!outputHiddenStates)
            {
                hidden.Dispose();
            }
            hidden = normed;
        }
        if (outputHiddenStates)
        {
            states.Add(hidden);
        }
        additiveMask?.Dispose();
        return new EsmEncoderOutput(hidden, states);
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
