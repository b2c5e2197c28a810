namespace AgroNT.MLNet.Training;

/// <summary>
/// A small seeded generator (SplitMix64) whose whole state is one 64-bit word, and a hash that derives independent
/// streams from a seed and counters. Training draws every random decision from a stream named by where it is used
/// (the mask of window n of epoch e, the shuffle of epoch e, dropout at step s), so resuming needs only the counters,
/// never a serialised generator, and any step can be reproduced on its own.
/// </summary>
internal struct CounterRandom
{
    private const ulong Golden = 0x9E3779B97F4A7C15UL;
    private ulong _state;

    /// <summary>Starts the stream named by <paramref name="seed"/> and up to three counters.</summary>
    public CounterRandom(ulong seed, ulong a = 0, ulong b = 0, ulong c = 0)
    {
        _state = Derive(seed, a, b, c);
    }

    /// <summary>Hashes a seed and counters into a well-mixed 64-bit value (each input goes through the SplitMix64 finaliser).</summary>
    public static ulong Derive(ulong seed, ulong a = 0, ulong b = 0, ulong c = 0)
    {
        unchecked
        {
            ulong h = Mix(seed + Golden);
            h = Mix(h ^ (a + 2 * Golden));
            h = Mix(h ^ (b + 3 * Golden));
            return Mix(h ^ (c + 4 * Golden));
        }
    }

    /// <summary>The next 64 random bits.</summary>
    public ulong NextUInt64()
    {
        _state += Golden;
        return Mix(_state);
    }

    /// <summary>A uniform double in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>A uniform integer in [0, <paramref name="bound"/>), without modulo bias (Lemire's multiply-shift with rejection).</summary>
    public int NextInt(int bound)
    {
        if (bound <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(bound), bound, "The bound must be positive.");
        }
        ulong range = (ulong)bound;
        while (true)
        {
            UInt128 product = (UInt128)NextUInt64() * range;
            ulong low = (ulong)product;
            if (low >= (0UL - range) % range)
            {
                return (int)(ulong)(product >> 64);
            }
        }
    }

    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
