using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace AgroNT.MLNet.Checkpoints;

/// <summary>
/// The loader's two passes over raw weight bytes, vectorised and spread over the cores in blocks: counting NaN and
/// infinite values (an exponent field of all ones) and converting float32 to bfloat16 with libtorch's rounding
/// (round to nearest, ties to even; NaN becomes the quiet NaN 0x7FC0).
/// </summary>
internal static unsafe class WeightKernels
{
    /// <summary>Bytes per parallel block: large enough to amortise scheduling, small enough to balance two or more cores.</summary>
    private const long BlockBytes = 1L << 20;

    /// <summary>Whether <see cref="CountNonFinite(byte*, long, ScalarType)"/> reads this element type (the floating types a checkpoint holds).</summary>
    public static bool CanScan(ScalarType dtype) =>
        dtype is ScalarType.Float32 or ScalarType.BFloat16 or ScalarType.Float16 or ScalarType.Float64;

    /// <summary>Counts the NaN and infinite values of each region (<c>pointer</c>, <c>bytes</c>, element type), in parallel.</summary>
    public static long[] CountNonFinite(IReadOnlyList<(nint Pointer, long Bytes, ScalarType DType)> regions)
    {
        var blocks = new List<(int Region, long Start, long Length)>();
        for (int r = 0; r < regions.Count; r++)
        {
            long bytes = regions[r].Bytes;
            int elementSize = CheckpointDTypes.ElementSize(regions[r].DType);
            long block = BlockBytes / elementSize * elementSize;
            for (long start = 0; start < bytes; start += block)
            {
                blocks.Add((r, start, Math.Min(block, bytes - start)));
            }
        }
        var counts = new long[regions.Count];
        Parallel.For(0, blocks.Count, i =>
        {
            (int region, long start, long length) = blocks[i];
            (nint pointer, _, ScalarType dtype) = regions[region];
            long bad = CountNonFinite((byte*)pointer + start, length, dtype);
            if (bad > 0)
            {
                Interlocked.Add(ref counts[region], bad);
            }
        });
        return counts;
    }

    /// <summary>Counts NaN and infinite values in <paramref name="bytes"/> bytes of <paramref name="dtype"/> elements.</summary>
    public static long CountNonFinite(byte* data, long bytes, ScalarType dtype) => dtype switch
    {
        ScalarType.Float32 => CountExponentAllOnes((uint*)data, bytes / 4, 0x7F80_0000u),
        ScalarType.BFloat16 => CountExponentAllOnes((ushort*)data, bytes / 2, (ushort)0x7F80),
        ScalarType.Float16 => CountExponentAllOnes((ushort*)data, bytes / 2, (ushort)0x7C00),
        ScalarType.Float64 => CountExponentAllOnes((ulong*)data, bytes / 8, 0x7FF0_0000_0000_0000ul),
        _ => 0,
    };

    private static long CountExponentAllOnes<T>(T* data, long count, T exponentMask)
        where T : unmanaged, IBinaryInteger<T>
    {
        long bad = 0;
        long i = 0;
        if (Vector.IsHardwareAccelerated && count >= Vector<T>.Count)
        {
            var mask = new Vector<T>(exponentMask);
            // Each lane counts down by one (all-ones = -1) per hit; flushed before a lane could wrap.
            long flushEvery = Math.Min(1L << 15, (1L << (8 * sizeof(T) - 1)) - 1);
            var hits = Vector<T>.Zero;
            long sinceFlush = 0;
            for (; i <= count - Vector<T>.Count; i += Vector<T>.Count)
            {
                var v = Vector.Load(data + i);
                hits -= Vector.Equals(v & mask, mask);
                if (++sinceFlush == flushEvery)
                {
                    bad += SumLanes(hits);
                    hits = Vector<T>.Zero;
                    sinceFlush = 0;
                }
            }
            bad += SumLanes(hits);
        }
        for (; i < count; i++)
        {
            if ((data[i] & exponentMask) == exponentMask)
            {
                bad++;
            }
        }
        return bad;
    }

    private static long SumLanes<T>(Vector<T> lanes)
        where T : unmanaged, IBinaryInteger<T>
    {
        long sum = 0;
        for (int lane = 0; lane < Vector<T>.Count; lane++)
        {
            sum += long.CreateTruncating(lanes[lane]);
        }
        return sum;
    }

    /// <summary>Converts <paramref name="count"/> float32 values to bfloat16, in parallel blocks.</summary>
    public static void Float32ToBFloat16(byte* source, byte* destination, long count)
    {
        const long block = BlockBytes / 4;
        long blocks = (count + block - 1) / block;
        if (blocks <= 1)
        {
            Float32ToBFloat16Block((uint*)source, (ushort*)destination, count);
            return;
        }
        nint from = (nint)source, to = (nint)destination;
        Parallel.For(0, blocks, b =>
        {
            long start = b * block;
            Float32ToBFloat16Block((uint*)from + start, (ushort*)to + start, Math.Min(block, count - start));
        });
    }

    /// <summary>Span form of <see cref="Float32ToBFloat16(byte*, byte*, long)"/> (the lengths must match).</summary>
    internal static void Float32ToBFloat16(ReadOnlySpan<uint> source, Span<ushort> destination)
    {
        ArgumentOutOfRangeException.ThrowIfNotEqual(destination.Length, source.Length);
        fixed (uint* from = source)
        fixed (ushort* to = destination)
        {
            Float32ToBFloat16((byte*)from, (byte*)to, source.Length);
        }
    }

    /// <summary>One block of <see cref="Float32ToBFloat16(byte*, byte*, long)"/>: round to nearest even, as c10::BFloat16 does; NaN to 0x7FC0.</summary>
    internal static void Float32ToBFloat16Block(uint* source, ushort* destination, long count)
    {
        long i = 0;
        if (Vector.IsHardwareAccelerated && count >= 2 * Vector<uint>.Count)
        {
            var one = new Vector<uint>(1u);
            var bias = new Vector<uint>(0x7FFFu);
            var exponent = new Vector<uint>(0x7F80_0000u);
            var mantissa = new Vector<uint>(0x007F_FFFFu);
            var quietNaN = new Vector<uint>(0x7FC0u);
            for (; i <= count - 2 * Vector<uint>.Count; i += 2 * Vector<uint>.Count)
            {
                var low = Round(Vector.Load(source + i));
                var high = Round(Vector.Load(source + i + Vector<uint>.Count));
                Vector.Narrow(low, high).Store(destination + i);
            }

            Vector<uint> Round(Vector<uint> bits)
            {
                var rounded = Vector.ShiftRightLogical(bits + bias + (Vector.ShiftRightLogical(bits, 16) & one), 16);
                var isNaN = Vector.Equals(bits & exponent, exponent) & ~Vector.Equals(bits & mantissa, Vector<uint>.Zero);
                return Vector.ConditionalSelect(isNaN, quietNaN, rounded);
            }
        }
        for (; i < count; i++)
        {
            destination[i] = Float32ToBFloat16(source[i]);
        }
    }

    /// <summary>One value: round to nearest even, NaN to 0x7FC0.</summary>
    internal static ushort Float32ToBFloat16(uint bits) =>
        (bits & 0x7F80_0000u) == 0x7F80_0000u && (bits & 0x007F_FFFFu) != 0
            ? (ushort)0x7FC0
            : (ushort)((bits + 0x7FFFu + ((bits >> 16) & 1u)) >> 16);

    /// <summary>The first byte of a contiguous CPU tensor's data.</summary>
    public static nint DataPointer(Tensor tensor) => (nint)Unsafe.AsPointer(ref MemoryMarshal.GetReference(tensor.bytes));
}
