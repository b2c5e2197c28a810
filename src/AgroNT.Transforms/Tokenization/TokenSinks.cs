using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace AgroNT.Transforms.Tokenization;

/// <summary>
/// Receives the tokens <see cref="KmerScanner"/> finds. Positions are indices into the text that was scanned; after a
/// scan of compacted text, <see cref="MapOffsets(ReadOnlySpan{int})"/> turns them into indices of the caller's text.
/// Generic struct sinks let the JIT specialise the scanner for counting, id writing and offset tracking separately.
/// </summary>
internal interface ITokenSink
{
    /// <summary>Whether a token was refused because the sink was full; the scan stops at once.</summary>
    bool Overflowed { get; }

    /// <summary>A run of k-mer letters: whole k-mers from its start, then single letters for the rest.</summary>
    void AddRun(ReadOnlySpan<char> run, int runStart);

    /// <summary>One token covering <c>[start, end)</c>.</summary>
    void Add(int id, int start, int end);

    /// <summary>Forgets everything, for a second scan of compacted text.</summary>
    void Reset();

    /// <summary>Maps recorded positions from compacted text to the caller's text (<paramref name="map"/>[i] = original index of compacted char i).</summary>
    void MapOffsets(ReadOnlySpan<int> map);
}

/// <summary>Counts tokens (up to a capacity) and remembers where the last accepted one ends.</summary>
internal struct CountSink : ITokenSink
{
    private readonly int _k;
    private readonly int _capacity;

    public CountSink(int k, int capacity = int.MaxValue)
    {
        _k = k;
        _capacity = capacity;
    }

    public int Count { get; private set; }

    public int LastEnd { get; private set; }

    public bool Overflowed { get; private set; }

    public void AddRun(ReadOnlySpan<char> run, int runStart)
    {
        int kmers = run.Length / _k;
        int singles = run.Length - (kmers * _k);
        int room = _capacity - Count;
        if (kmers + singles <= room)
        {
            Count += kmers + singles;
            LastEnd = runStart + run.Length;
            return;
        }

        Overflowed = true;
        if (room > 0)
        {
            int takenKmers = Math.Min(kmers, room);
            LastEnd = runStart + (takenKmers * _k) + (room - takenKmers);
            Count += room;
        }
    }

    public void Add(int id, int start, int end)
    {
        if (Count == _capacity)
        {
            Overflowed = true;
            return;
        }

        Count++;
        LastEnd = end;
    }

    public void Reset()
    {
        Count = 0;
        LastEnd = 0;
        Overflowed = false;
    }

    public void MapOffsets(ReadOnlySpan<int> map)
    {
        if (LastEnd > 0)
        {
            LastEnd = map[LastEnd - 1] + 1;
        }
    }
}

/// <summary>Writes ids into a caller's span, optionally with each token's start and end; the hot path.</summary>
internal ref struct IdSink : ITokenSink
{
    private readonly Span<int> _ids;
    private readonly Span<int> _starts;
    private readonly Span<int> _ends;
    private readonly int[] _kmerIds;
    private readonly int[] _nucleotideIds;
    private readonly int _k;

    /// <param name="ids">Where ids go; its length is the capacity.</param>
    /// <param name="starts">Token starts, or empty to skip offsets; else as long as <paramref name="ids"/>.</param>
    /// <param name="ends">Token ends (exclusive), empty or as long as <paramref name="ids"/>.</param>
    /// <param name="vocabulary">The vocabulary whose tables to use.</param>
    public IdSink(Span<int> ids, Span<int> starts, Span<int> ends, KmerVocabulary vocabulary)
    {
        _ids = ids;
        _starts = starts;
        _ends = ends;
        _kmerIds = vocabulary.KmerIds;
        _nucleotideIds = vocabulary.NucleotideIdsByCode;
        _k = vocabulary.K;
    }

    public int Count { get; private set; }

    public int LastEnd { get; private set; }

    public bool Overflowed { get; private set; }

    public void AddRun(ReadOnlySpan<char> run, int runStart)
    {
        int k = _k;
        int kmers = run.Length / k;
        int singles = run.Length - (kmers * k);
        int room = _ids.Length - Count;
        if (kmers + singles > room)
        {
            Overflowed = true;
            kmers = Math.Min(kmers, room);
            singles = room - kmers;
            if (room == 0)
            {
                return;
            }
        }

        Span<int> destination = _ids.Slice(Count, kmers + singles);
        KmerPacker.Pack(run[..(kmers * k)], destination[..kmers], _kmerIds, k);
        ReadOnlySpan<char> tail = run.Slice(kmers * k, singles);
        for (int i = 0; i < tail.Length; i++)
        {
            destination[kmers + i] = _nucleotideIds[DnaAlphabet.Code(tail[i])];
        }

        if (!_starts.IsEmpty)
        {
            Span<int> starts = _starts.Slice(Count, kmers + singles);
            Span<int> ends = _ends.Slice(Count, kmers + singles);
            for (int i = 0; i < kmers; i++)
            {
                starts[i] = runStart + (i * k);
                ends[i] = starts[i] + k;
            }

            for (int i = kmers, position = runStart + (kmers * k); i < starts.Length; i++, position++)
            {
                starts[i] = position;
                ends[i] = position + 1;
            }
        }

        Count += kmers + singles;
        LastEnd = runStart + (kmers * k) + singles;
    }

    public void Add(int id, int start, int end)
    {
        if (Count == _ids.Length)
        {
            Overflowed = true;
            return;
        }

        _ids[Count] = id;
        if (!_starts.IsEmpty)
        {
            _starts[Count] = start;
            _ends[Count] = end;
        }

        Count++;
        LastEnd = end;
    }

    public void Reset()
    {
        Count = 0;
        LastEnd = 0;
        Overflowed = false;
    }

    public void MapOffsets(ReadOnlySpan<int> map)
    {
        if (!_starts.IsEmpty)
        {
            for (int i = 0; i < Count; i++)
            {
                _starts[i] = map[_starts[i]];
                _ends[i] = map[_ends[i] - 1] + 1;
            }
        }

        if (LastEnd > 0)
        {
            LastEnd = map[LastEnd - 1] + 1;
        }
    }
}

/// <summary>Turns runs of k-mer letters into ids: the inner loop of the tokenizer.</summary>
internal static class KmerPacker
{
    /// <summary>Writes the id of each consecutive k-mer of <paramref name="letters"/> (length <c>destination.Length * k</c>).</summary>
    /// <remarks>The letters must all be k-mer letters: the code of anything else is garbage (but still inside the table).</remarks>
    public static void Pack(ReadOnlySpan<char> letters, Span<int> destination, int[] kmerIds, int k)
    {
        if (k == 6 && BitConverter.IsLittleEndian)
        {
            Pack6(letters, destination, kmerIds);
            return;
        }

        for (int j = 0; j < destination.Length; j++)
        {
            int code = 0;
            foreach (char c in letters.Slice(j * k, k))
            {
                code = (code << 2) | DnaAlphabet.Code(c);
            }

            destination[j] = kmerIds[code];
        }
    }

    /// <summary>
    /// AgroNT's 6-mers. With AVX-512 VBMI, eight 6-mers (48 letters) per step: the letters' 2-bit codes are narrowed
    /// to bytes, one byte permutation puts each 6-mer's six codes in its own 64-bit lane, and two multiply-adds plus
    /// one shift-add fold each lane into its 12-bit code. The rest goes through <see cref="Pack6Scalar"/>.
    /// </summary>
    private static void Pack6(ReadOnlySpan<char> letters, Span<int> destination, int[] kmerIds)
    {
        if (kmerIds.Length != 4096 || letters.Length < destination.Length * 6)
        {
            throw new ArgumentException("6-mer table or letter count mismatch.", nameof(kmerIds));
        }

        int done = 0;
        if (Avx512Vbmi.IsSupported && Avx512BW.VL.IsSupported && destination.Length >= 8)
        {
            done = Pack6Avx512(letters, destination, kmerIds);
        }

        Pack6Scalar(letters[(done * 6)..], destination[done..], kmerIds);
    }

    /// <summary>Packs whole groups of eight 6-mers; returns how many 6-mers it wrote.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static int Pack6Avx512(ReadOnlySpan<char> letters, Span<int> destination, int[] kmerIds)
    {
        // Lane j (bytes 8j..8j+7) takes code bytes 6j..6j+5; its last two bytes take byte 63, which is always zero.
        ReadOnlySpan<byte> gather =
        [
            0, 1, 2, 3, 4, 5, 63, 63, 6, 7, 8, 9, 10, 11, 63, 63, 12, 13, 14, 15, 16, 17, 63, 63, 18, 19, 20, 21, 22, 23, 63, 63,
            24, 25, 26, 27, 28, 29, 63, 63, 30, 31, 32, 33, 34, 35, 63, 63, 36, 37, 38, 39, 40, 41, 63, 63, 42, 43, 44, 45, 46, 47, 63, 63,
        ];
        Vector512<byte> permutation = Vector512.Create(gather);

        // Bytes [c0..c5,0,0] -> words [4c0+c1, 4c2+c3, 4c4+c5, 0] -> dwords [(w0 << 8) + (w1 << 4), w2].
        Vector512<sbyte> pairWeights = Vector512.Create((short)0x0104).AsSByte();
        Vector512<short> quadWeights = Vector512.Create(0x0000_0001_0010_0100UL).AsInt16(); // words 256, 16, 1, 0
        Vector512<ushort> codeMask = Vector512.Create((ushort)3);

        ref ushort source = ref Unsafe.As<char, ushort>(ref MemoryMarshal.GetReference(letters));
        ref int target = ref MemoryMarshal.GetReference(destination);
        ref int table = ref MemoryMarshal.GetArrayDataReference(kmerIds);
        int groups = destination.Length / 8;
        for (int g = 0; g < groups; g++)
        {
            ref ushort chunk = ref Unsafe.Add(ref source, g * 48);
            Vector512<ushort> first32 = Vector512.ShiftRightLogical(Vector512.LoadUnsafe(ref chunk), 1) & codeMask;
            Vector256<ushort> last16 = Vector256.ShiftRightLogical(Vector256.LoadUnsafe(ref chunk, 32), 1) & codeMask.GetLower();
            Vector512<byte> codes = Vector512.Create(
                Avx512BW.ConvertToVector256Byte(first32),
                Vector256.Create(Avx512BW.VL.ConvertToVector128Byte(last16), Vector128<byte>.Zero));
            Vector512<byte> lanes = Avx512Vbmi.PermuteVar64x8(codes, permutation);
            Vector512<int> halves = Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(lanes, pairWeights), quadWeights);
            Vector512<ulong> folded = halves.AsUInt64() + Vector512.ShiftRightLogical(halves.AsUInt64(), 32);
            Vector256<int> kmerCodes = Avx512F.ConvertToVector256Int32(folded);

            // Each code is below 4096, the table's length (checked by the caller).
            ref int output = ref Unsafe.Add(ref target, g * 8);
            for (int i = 0; i < 8; i++)
            {
                Unsafe.Add(ref output, i) = Unsafe.Add(ref table, kmerCodes.GetElement(i));
            }
        }

        return groups * 8;
    }

    /// <summary>
    /// Four letters at a time: the four UTF-16 code units of one 64-bit load each hold their 2-bit code at bits
    /// 16i+1..16i+2; masking and one multiplication gather them into one byte, first letter highest (the products of
    /// different lanes land outside that byte, and never overlap one another, so no carry reaches it).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Pack6Scalar(ReadOnlySpan<char> letters, Span<int> destination, int[] kmerIds)
    {
        const ulong LaneMask = 0x0003_0003_0003_0003UL;
        const ulong Gather = (1UL << 60) | (1UL << 42) | (1UL << 24) | (1UL << 6);
        ref byte source = ref Unsafe.As<char, byte>(ref MemoryMarshal.GetReference(letters));
        ref int target = ref MemoryMarshal.GetReference(destination);
        ref int table = ref MemoryMarshal.GetArrayDataReference(kmerIds);
        for (int j = 0; j < destination.Length; j++)
        {
            ref byte kmer = ref Unsafe.Add(ref source, j * 12);
            ulong first4 = (Unsafe.ReadUnaligned<ulong>(ref kmer) >> 1) & LaneMask;
            uint last2 = (Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref kmer, 8)) >> 1) & 0x0003_0003u;
            int code = (int)(((first4 * Gather) >> 54) & 0xFF) << 4 | (int)(((last2 << 2) | (last2 >> 16)) & 0xF);

            // code < 4096 by construction and the caller checked the table's length.
            Unsafe.Add(ref target, j) = Unsafe.Add(ref table, code);
        }
    }
}
