using AgroNT.MLNet.Native;
using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace AgroNT.MLNet.Modeling;

/// <summary>How attention scores are computed.</summary>
public enum AttentionKernel
{
    /// <summary>libtorch's fused <c>scaled_dot_product_attention</c> (default: agrees with the explicit form to ~3e-7 and is much faster on CPU).</summary>
    ScaledDotProduct,

    /// <summary>softmax(QK^T/sqrt(d) + mask)V written out, as Hugging Face's eager ESM code does; a reference path for tests.</summary>
    Explicit,
}

/// <summary>Multi-head self-attention projections (<c>attention.self.{query,key,value}</c>), with ESM-2's rotary
/// embeddings (<c>attention.self.rotary_embeddings</c>) when the configuration asks for them.</summary>
internal sealed class EsmSelfAttention : nn.Module<Tensor, AttentionLayout, Tensor>
{
    [ComponentName(Name = "query")]
    private readonly Linear _query;

    [ComponentName(Name = "key")]
    private readonly Linear _key;

    [ComponentName(Name = "value")]
    private readonly Linear _value;

    [ComponentName(Name = "rotary_embeddings")]
    private readonly EsmRotaryEmbedding? _rotaryEmbeddings;

    private readonly int _heads;
    private readonly int _headSize;
    private readonly double _dropout;

    /// <summary>Creates the projections for <paramref name="config"/>.</summary>
    public EsmSelfAttention(EsmConfig config, Device? device = null, ScalarType? dtype = null) : base("self")
    {
        _heads = config.NumAttentionHeads;
        _headSize = config.HeadSize;
        _dropout = config.AttentionProbsDropoutProb;
        _query = ParameterInitialisation.Linear(config.HiddenSize, config.HiddenSize, device: device, dtype: dtype);
        _key = ParameterInitialisation.Linear(config.HiddenSize, config.HiddenSize, device: device, dtype: dtype);
        _value = ParameterInitialisation.Linear(config.HiddenSize, config.HiddenSize, device: device, dtype: dtype);
        _rotaryEmbeddings = config.IsRotary ? new EsmRotaryEmbedding(_headSize, device) : null;
        RegisterComponents();
    }

    /// <summary>The score kernel; <see cref="AttentionKernel.ScaledDotProduct"/> unless changed for a comparison.</summary>
    public AttentionKernel Kernel { get; set; } = AttentionKernel.ScaledDotProduct;

    /// <summary>
    /// Attends over <paramref name="hidden"/>, laid out as <paramref name="layout"/> says: a padded batch
    /// <c>[B, T, H]</c> (with an additive mask <c>[B, 1, 1, T]</c>, or none when no position is padding: adding zeros
    /// changes nothing, and the kernel skips the pass), or packed sequences <c>[N, H]</c>, each attending only to its
    /// own rows. Returns the context in the same layout.
    /// </summary>
    public override Tensor forward(Tensor hidden, AttentionLayout layout)
    {
        // call (not forward) runs the projection's hooks: LoRA and IA3 adapters attach there.
        var query = _query.call(hidden);
        var key = _key.call(hidden);
        var value = _value.call(hidden);
        long width = _heads * _headSize;
        if (!layout.IsPacked)
        {
            long batch = hidden.shape[0], tokens = hidden.shape[1];
            return Attend(Heads(query, batch, tokens), Heads(key, batch, tokens), Heads(value, batch, tokens), layout.AdditiveMask)
                .transpose(1, 2).reshape(batch, tokens, width);
        }

        // Packed: each run of equal-length sequences attends as one unmasked batch, so no padding enters the kernel.
        var contexts = new List<Tensor>();
        foreach (var (start, count, length) in layout.EqualLengthRuns())
        {
            long rows = count * length;
            Tensor Run(Tensor projected) => Heads(projected.narrow(0, start, rows), count, length);
            contexts.Add(Attend(Run(query), Run(key), Run(value), null).transpose(1, 2).reshape(rows, width));
        }
        return contexts.Count == 1 ? contexts[0] : cat(contexts, 0);
    }

    private Tensor Heads(Tensor projected, long batch, long tokens) => projected.view(batch, tokens, _heads, _headSize).transpose(1, 2);

    /// <summary>Attention over heads <c>[B, heads, T, d]</c> with an optional additive mask; returns <c>[B, heads, T, d]</c>.</summary>
    private Tensor Attend(Tensor q, Tensor k, Tensor v, Tensor? additiveMask)
    {
        long tokens = q.shape[2];
        double dropout = training ? _dropout : 0.0;
        Tensor? cos = null, sin = null;
        if (_rotaryEmbeddings is not null)
        {
            (cos, sin) = _rotaryEmbeddings.Tables(tokens, q.dtype);
        }

        if (Kernel == AttentionKernel.ScaledDotProduct)
        {
            if (cos is not null)
            {
                // The rotation is linear, so rotating before the kernel's own 1/sqrt(d) scaling equals HF's scale-then-rotate.
                q = EsmRotaryEmbedding.Apply(q, cos, sin!);
                k = EsmRotaryEmbedding.Apply(k, cos, sin!);
            }
            return nn.functional.scaled_dot_product_attention(q, k, v, additiveMask, dropout);
        }

        // HF ESM scales the query by head_size^-0.5 before QK^T, and before the rotary rotation.
        q = q.mul(TorchScalars.Real(1.0 / Math.Sqrt(_headSize)));
        if (cos is not null)
        {
            q = EsmRotaryEmbedding.Apply(q, cos, sin!);
            k = EsmRotaryEmbedding.Apply(k, cos, sin!);
        }
        var scores = q.matmul(k.transpose(-1, -2));
        if (additiveMask is not null)
        {
            scores = scores.add(additiveMask, TorchScalars.One);
        }
        var probabilities = nn.functional.dropout(scores.softmax(-1), dropout, training);
        return probabilities.matmul(v);
    }
}
