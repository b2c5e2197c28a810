using System.Diagnostics;
using AgroNT.MLNet.Modeling;
using AgroNT.MLNet.Native;
using static TorchSharp.torch;

namespace AgroNT.MLNet.Performance;

/// <summary>A measured attention-kernel rate.</summary>
/// <param name="FlopsPerSecond">The best rate of the timed calls, counting <c>4 x T^2 x head size</c> per head and sequence.</param>
/// <param name="Sequences">Sequences per call.</param>
/// <param name="Tokens">Tokens per sequence.</param>
/// <param name="Repeats">Timed calls.</param>
public sealed record AttentionRateMeasurement(double FlopsPerSecond, int Sequences, long Tokens, int Repeats);

/// <summary>
/// The rate of the attention kernel the encoder runs (libtorch's <c>scaled_dot_product_attention</c>, without a mask,
/// on heads laid out as the projections leave them), and the ceiling it puts on a forward pass's share of the matmul
/// peak. Softmax's exponentials are work the operation count leaves out, and they cost the same in bfloat16 as in
/// float32, so this kernel runs well below the matmul peak and bounds how close a whole pass can come to it.
/// </summary>
public static class AttentionRate
{
    /// <summary>
    /// Timed calls at least, whatever is asked: one shape is timed, not the dozen of <see cref="MatmulPeak"/>, so a
    /// few samples taken while the machine is busy would read a rate below what the passes themselves reach.
    /// </summary>
    public const int MinimumRepeats = 15;

    /// <summary>Times the kernel on <paramref name="sequences"/> sequences of <paramref name="tokens"/> tokens with random heads.</summary>
    /// <param name="config">The architecture (heads and head size).</param>
    /// <param name="precision">The element type.</param>
    /// <param name="repeats">Timed calls (at least <see cref="MinimumRepeats"/>); the best is kept.</param>
    /// <param name="device"><c>cpu</c> or <c>cuda[:N]</c>.</param>
    /// <param name="tokens">Tokens per sequence (a full window by default).</param>
    /// <param name="sequences">Sequences per call.</param>
    public static AttentionRateMeasurement Measure(EsmConfig config, Precision precision, int repeats, string device = "cpu", long tokens = 1024, int sequences = 4)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(tokens);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sequences);
        var dtype = precision == Precision.BFloat16 ? ScalarType.BFloat16 : ScalarType.Float32;
        var on = TorchRuntime.ResolveDevice(device);
        bool onCuda = on.type == TorchSharp.DeviceType.CUDA;
        int runs = Math.Max(repeats, MinimumRepeats);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        // [B, T, heads, d] transposed to [B, heads, T, d]: the strides the projections' outputs have in the encoder.
        Tensor Heads() => randn([sequences, tokens, config.NumAttentionHeads, config.HeadSize], device: on).to(dtype).transpose(1, 2);
        var (q, k, v) = (Heads(), Heads(), Heads());
        double flops = 4.0 * sequences * config.NumAttentionHeads * config.HeadSize * tokens * tokens;
        nn.functional.scaled_dot_product_attention(q, k, v).Dispose();
        double best = 0;
        for (int r = 0; r < runs; r++)
        {
            var clock = Stopwatch.StartNew();
            nn.functional.scaled_dot_product_attention(q, k, v).Dispose();
            if (onCuda)
            {
                cuda.synchronize(on);
            }
            best = Math.Max(best, flops / clock.Elapsed.TotalSeconds);
        }
        return new AttentionRateMeasurement(best, sequences, tokens, runs);
    }

    /// <summary>
    /// The highest share of <paramref name="peakFlopsPerSecond"/> a forward pass over sequences of
    /// <paramref name="sequenceTokens"/> could reach if every weight product ran at the peak and attention at
    /// <paramref name="attentionFlopsPerSecond"/>, with LayerNorm, GELU and the rest free:
    /// <c>F / (F_weights / peak + F_attention / attention rate) / peak</c>.
    /// </summary>
    /// <param name="config">The architecture.</param>
    /// <param name="sequenceTokens">Each sequence's tokens.</param>
    /// <param name="peakFlopsPerSecond">The matmul peak (<see cref="MatmulPeak"/>).</param>
    /// <param name="attentionFlopsPerSecond">The attention kernel's rate (<see cref="Measure"/>).</param>
    /// <returns>The ceiling, 1 when attention runs at the peak.</returns>
    public static double Ceiling(EsmConfig config, IReadOnlyCollection<int> sequenceTokens, double peakFlopsPerSecond, double attentionFlopsPerSecond)
    {
        ArgumentNullException.ThrowIfNull(sequenceTokens);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(peakFlopsPerSecond);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(attentionFlopsPerSecond);
        double total = EncoderFlops.Forward(config, sequenceTokens);
        double attention = EncoderFlops.Attention(config, sequenceTokens);
        double seconds = (total - attention) / peakFlopsPerSecond + attention / attentionFlopsPerSecond;
        return total / seconds / peakFlopsPerSecond;
    }
}
