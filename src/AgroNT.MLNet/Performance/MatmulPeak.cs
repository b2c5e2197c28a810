using System.Diagnostics;
using AgroNT.MLNet.Modeling;
using AgroNT.MLNet.Native;
using static TorchSharp.torch;

namespace AgroNT.MLNet.Performance;

/// <summary>A measured matrix-multiply peak.</summary>
/// <param name="FlopsPerSecond">The fastest rate any timed product reached.</param>
/// <param name="Shapes">The shapes timed (<see cref="EncoderFlops.WeightGemmShapes"/>).</param>
/// <param name="Repeats">Timed repetitions of each shape.</param>
public sealed record MatmulPeakMeasurement(double FlopsPerSecond, IReadOnlyList<GemmShape> Shapes, int Repeats);

/// <summary>
/// The machine's matrix-multiply rate for an architecture: the best of at least <see cref="MinimumRepeats"/> timed
/// repetitions of every weight product the benchmark's batches run (projections, feed-forward up and down, with as many
/// rows as a batch has tokens: 1,024 for one window up to 8,192 for a batch of short inputs), in the given precision
/// and on the given device. A forward pass runs these same products, so its share of this peak cannot honestly exceed
/// 100%. (Timing only 1,024-row products read 103% for 40 layers batched two windows at a time: larger products run
/// faster.)
/// </summary>
public static class MatmulPeak
{
    /// <summary>Repetitions of each shape at least, whatever is asked: a single sample once read 107% and 121% "of peak".</summary>
    public const int MinimumRepeats = 5;

    /// <summary>Tokens per batch the peak is measured at by default: one window, two (full-window batches), and the
    /// 4,096 and 8,192 of mixed-length batches.</summary>
    public static IReadOnlyList<long> BatchTokens { get; } = [1024, 2048, 4096, 8192];

    /// <summary>Times the products of <paramref name="config"/> and returns the best rate.</summary>
    /// <param name="config">The architecture whose shapes are timed.</param>
    /// <param name="precision">The element type.</param>
    /// <param name="repeats">Timed repetitions of each shape (at least <see cref="MinimumRepeats"/> are run).</param>
    /// <param name="device"><c>cpu</c> or <c>cuda[:N]</c>.</param>
    /// <param name="batchTokens">Rows of the products (tokens in a batch); the default, <see cref="BatchTokens"/>, covers
    /// every batch <c>agront bench</c> runs.</param>
    public static MatmulPeakMeasurement Measure(EsmConfig config, Precision precision, int repeats, string device = "cpu", IReadOnlyList<long>? batchTokens = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        var dtype = precision == Precision.BFloat16 ? ScalarType.BFloat16 : ScalarType.Float32;
        var on = TorchRuntime.ResolveDevice(device);
        bool onCuda = on.type == TorchSharp.DeviceType.CUDA;
        int runs = Math.Max(repeats, MinimumRepeats);
        var shapes = (batchTokens ?? BatchTokens).SelectMany(tokens => EncoderFlops.WeightGemmShapes(config, tokens)).ToList();
        double best = 0;
        foreach (var shape in shapes)
        {
            using var scope = NewDisposeScope();
            var a = randn(shape.M, shape.K, device: on).to(dtype);
            var b = randn(shape.K, shape.N, device: on).to(dtype);
            mm(a, b).Dispose();
            for (int r = 0; r < runs; r++)
            {
                var clock = Stopwatch.StartNew();
                mm(a, b).Dispose();
                if (onCuda)
                {
                    // Kernels are queued asynchronously: wait for them before reading the clock.
                    cuda.synchronize(on);
                }
                best = Math.Max(best, 2.0 * shape.M * shape.K * shape.N / clock.Elapsed.TotalSeconds);
            }
        }
        return new MatmulPeakMeasurement(best, shapes, runs);
    }
}
