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
internal sealed class EsmSelfAttention : nn.Module<Tensor, Tensor?, Tensor>
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
    /// Attends over <paramref name="hidden"/> <c>[B, T, H]</c> with an additive mask <c>[B, 1, 1, T]</c>, or none when
    /// no position is padding (adding zeros changes nothing, and the kernel skips the pass); returns <c>[B, T, H]</c>.
    /// </summary>
    public override Tensor forward(Tensor hidden, Tensor? additiveMask)
    {
        long batch = hidden.shape[0], tokens = hidden.shape[1];
        // call (not forward) runs the projection's hooks: LoRA and IA3 adapters attach there.
        Tensor Heads(Linear projection) => projection.call(hidden).view(batch, tokens, _heads, _headSize).transpose(1, 2);
        var q = Heads(_query);
        var k = Heads(_key);
        var v = Heads(_value);
        double dropout = training ? _dropout : 0.0;
        Tensor? cos = null, sin = null;
        if (_rotaryEmbeddings is not null)
        {
            (cos, sin) = _rotaryEmbeddings.Tables(tokens, q.dtype);
        }

        Tensor context;
        if (Kernel == AttentionKernel.ScaledDotProduct)
        {
            if (cos is not null)
            {
                // The rotation is linear, so rotating before the kernel's own 1/sqrt(d) scaling equals HF's scale-then-rotate.
                q = EsmRotaryEmbedding.Apply(q, cos, sin!);
                k = EsmRotaryEmbedding.Apply(k, cos, sin!);
            }
            context = nn.functional.scaled_dot_product_attention(q, k, v, additiveMask, dropout);
        }
        else
        {
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
            context = probabilities.matmul(v);
        }
        return context.transpose(1, 2).reshape(batch, tokens, _heads * _headSize);
    }
}
