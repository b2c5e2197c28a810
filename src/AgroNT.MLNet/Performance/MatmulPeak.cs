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
/// repetitions of every weight product a 1024-token window runs (projections, feed-forward up and down), in the given
/// precision and on the given device. A forward pass runs these same products, so its share of this peak cannot
/// honestly exceed 100%.
/// </summary>
public static class MatmulPeak
{
    /// <summary>Repetitions of each shape at least, whatever is asked: a single sample once read 107% and 121% "of peak".</summary>
    public const int MinimumRepeats = 5;

    /// <summary>Times the products of <paramref name="config"/> and returns the best rate.</summary>
    /// <param name="config">The architecture whose shapes are timed.</param>
    /// <param name="precision">The element type.</param>
    /// <param name="repeats">Timed repetitions of each shape (at least <see cref="MinimumRepeats"/> are run).</param>
    /// <param name="device"><c>cpu</c> or <c>cuda[:N]</c>.</param>
    public static MatmulPeakMeasurement Measure(EsmConfig config, Precision precision, int repeats, string device = "cpu")
    {
        ArgumentNullException.ThrowIfNull(config);
        var dtype = precision == Precision.BFloat16 ? ScalarType.BFloat16 : ScalarType.Float32;
        var on = TorchRuntime.ResolveDevice(device);
        bool onCuda = on.type == TorchSharp.DeviceType.CUDA;
        int runs = Math.Max(repeats, MinimumRepeats);
        var shapes = EncoderFlops.WeightGemmShapes(config);
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
