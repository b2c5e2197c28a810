using AgroNT.MLNet.Native;
using TorchSharp;
using static TorchSharp.torch;

namespace AgroNT.MLNet.Modeling;

/// <summary>
/// ESM-2's rotary position embeddings (<c>attention.self.rotary_embeddings</c>): query and key are rotated by an
/// angle that grows with the token's row, so their dot product depends on the distance between two tokens.
/// </summary>
/// <remarks>
/// Facts this reproduces from Hugging Face's <c>EsmForMaskedLM</c> (pinned by the esm2-tiny fixtures): the angles
/// are <c>t * inv_freq</c> with <c>t = 0 .. T-1</c> the row index (padding is on the right, so a padded row does not
/// move the real tokens); <c>inv_freq = 1 / 10000^(arange(0, d, 2) / d)</c> in float32 is a persistent buffer that
/// checkpoints carry and that wins over our own computation once loaded; the angle table is duplicated over the two
/// halves of the head and the rotation pairs element <c>i</c> with element <c>i + d/2</c> (half split, not
/// interleaved): <c>x * cos + rotate_half(x) * sin</c>, <c>rotate_half(x) = [-x2, x1]</c>.
/// </remarks>
internal sealed class EsmRotaryEmbedding : nn.Module<Tensor, Tensor>
{
    /// <summary>Creates the frequency buffer for heads of <paramref name="headSize"/> (even) elements.</summary>
    public EsmRotaryEmbedding(int headSize, Device? device = null) : base("rotary_embeddings")
    {
        if (headSize % 2 != 0)
        {
            throw new ArgumentException($"Rotary embeddings need an even head size, got {headSize}.", nameof(headSize));
        }
        Tensor inverse;
        using (var scope = NewDisposeScope())
        {
            // float32 throughout, as transformers computes it: a float64 computation differs by 1 ulp in some entries.
            var exponents = arange(0, headSize, 2, dtype: ScalarType.Int64).to(ScalarType.Float32).div(TorchScalars.Real(headSize));
            inverse = tensor(10000f).pow(exponents).reciprocal().to(device ?? CPU).MoveToOuterDisposeScope();
        }
        // Registered by name and looked up on use: Module.to() may replace a buffer's tensor.
        register_buffer(BufferName, inverse, persistent: true);
    }

    /// <summary>The buffer's state-dict name under <c>rotary_embeddings</c>.</summary>
    public const string BufferName = "inv_freq";

    /// <summary>The inverse frequencies <c>[head_size / 2]</c> (loaded from the checkpoint when it has them).</summary>
    public Tensor InverseFrequencies => named_buffers(recurse: false).First(b => b.name == BufferName).buffer;

    /// <summary>The cosine and sine tables <c>[tokens, head_size]</c> for <paramref name="tokens"/> rows, in <paramref name="dtype"/>.</summary>
    public (Tensor Cos, Tensor Sin) Tables(long tokens, ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        // Angles in float32 even for a bf16 model: bf16 cannot count rows past 256 exactly.
        var inverse = InverseFrequencies.to(ScalarType.Float32);
        var rows = arange(tokens, dtype: ScalarType.Int64, device: inverse.device).to(ScalarType.Float32);
        var angles = outer(rows, inverse);
        var doubled = cat([angles, angles], -1);
        return (doubled.cos().to(dtype).MoveToOuterDisposeScope(), doubled.sin().to(dtype).MoveToOuterDisposeScope());
    }

    /// <summary>Rotates <paramref name="x"/> <c>[B, heads, T, head_size]</c> by its rows' angles.</summary>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var (cos, sin) = Tables(x.shape[^2], x.dtype);
        return Apply(x, cos, sin).MoveToOuterDisposeScope();
    }

    /// <summary><c>x * cos + rotate_half(x) * sin</c> with tables from <see cref="Tables"/> (broadcast over batch and heads).</summary>
    public static Tensor Apply(Tensor x, Tensor cos, Tensor sin)
    {
        long half = x.shape[^1] / 2;
        var first = x.narrow(-1, 0, half);
        var second = x.narrow(-1, half, half);
        var rotated = cat([second.neg(), first], -1);
        return x.mul(cos).add(rotated.mul(sin), TorchScalars.One);
    }
}
