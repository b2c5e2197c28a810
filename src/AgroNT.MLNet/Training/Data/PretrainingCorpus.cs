using AgroNT.Transforms.Sequences;

namespace AgroNT.MLNet.Training.Data;

/// <summary>
/// The DNA a model is pretrained on: genomes (FASTA, plain or gzip, read as streams so that no genome has to fit in
/// memory) or in-memory sequences, cut into <see cref="WindowingOptions"/> windows, with a held-out validation part
/// (<see cref="ValidationSplit"/> and/or whole validation genomes).
/// </summary>
/// <remarks>
/// Every read goes through the sources again; nothing is cached. Sources are read region by region
/// (<see cref="ValidationSplit.RegionLength"/>); within a region, windows start at 0, stride, 2 x stride, ... and the
/// last one is shifted left to end at the region's end; a region shorter than a window is one window.
/// </remarks>
public sealed class PretrainingCorpus
{
    private readonly IReadOnlyList<CorpusSource> _training;
    private readonly IReadOnlyList<CorpusSource> _validation;

    private PretrainingCorpus(IReadOnlyList<CorpusSource> training, IReadOnlyList<CorpusSource> validation, ValidationSplit split, WindowingOptions windowing)
    {
        windowing.Validate();
        if (training.Count == 0)
        {
            throw new ArgumentException("The corpus needs at least one training source.");
        }
        _training = training;
        _validation = validation;
        Split = split;
        Windowing = windowing;
    }

    /// <summary>How the training sources are split.</summary>
    public ValidationSplit Split { get; }

    /// <summary>How sources are cut into windows.</summary>
    public WindowingOptions Windowing { get; }

    /// <summary>The names of the training sources (file paths), in the order given.</summary>
    public IReadOnlyList<string> TrainingSources => _training.Select(s => s.Name).ToArray();

    /// <summary>The names of the validation-only sources.</summary>
    public IReadOnlyList<string> ValidationSources => _validation.Select(s => s.Name).ToArray();

    /// <summary>Whether any window can be held out (a split other than none, or validation genomes).</summary>
    public bool HasValidation => Split.Kind != ValidationSplitKind.None || _validation.Count > 0;

    /// <summary>A corpus of genome files (FASTA/FASTQ/.txt, each optionally gzip-compressed).</summary>
    /// <param name="genomes">Training genomes; files must exist.</param>
    /// <param name="split">What to hold out of them; <see cref="ValidationSplit.None"/> when null.</param>
    /// <param name="validationGenomes">Genomes used for validation only (AgroNT held out whole species).</param>
    /// <param name="windowing">Window length, overlap and the ambiguity threshold; AgroNT's when null.</param>
    /// <exception cref="FileNotFoundException">A file does not exist.</exception>
    public static PretrainingCorpus FromGenomes(IEnumerable<string> genomes, ValidationSplit? split = null, IEnumerable<string>? validationGenomes = null, WindowingOptions? windowing = null)
    {
        ArgumentNullException.ThrowIfNull(genomes);
        split ??= ValidationSplit.None;
        CorpusSource File(string path)
        {
            if (!System.IO.File.Exists(path))
            {
                throw new FileNotFoundException($"Genome file not found: {Path.GetFullPath(path)}.", path);
            }
            SequenceReader.DetectFormat(path);
            return new CorpusSource(Path.GetFullPath(path), length => SequenceReader.ReadChunks(path, length, 0));
        }
        return new PretrainingCorpus(genomes.Select(File).ToArray(), (validationGenomes ?? []).Select(File).ToArray(), split, windowing ?? WindowingOptions.AgroNT);
    }

    /// <summary>
    /// A corpus of sequences supplied by callbacks (an ML.NET column, a database...). Each callback is called once per
    /// pass and must return the same sequences in the same order every time.
    /// </summary>
    /// <param name="sourceName">Names the source in windows and logs.</param>
    /// <param name="training">Returns the training sequences with their names.</param>
    /// <param name="split">What to hold out of them; <see cref="ValidationSplit.None"/> when null.</param>
    /// <param name="validation">Returns validation-only sequences, or null.</param>
    /// <param name="windowing">Window length, overlap and the ambiguity threshold; AgroNT's when null.</param>
    public static PretrainingCorpus FromSequences(
        string sourceName,
        Func<IEnumerable<(string Name, string Sequence)>> training,
        ValidationSplit? split = null,
        Func<IEnumerable<(string Name, string Sequence)>>? validation = null,
        WindowingOptions? windowing = null)
    {
        ArgumentNullException.ThrowIfNull(sourceName);
        ArgumentNullException.ThrowIfNull(training);
        var sources = new[] { new CorpusSource(sourceName, length => Regions(training(), length)) };
        var validationSources = validation is null ? [] : new[] { new CorpusSource(sourceName + " (validation)", length => Regions(validation(), length)) };
        return new PretrainingCorpus(sources, validationSources, split ?? ValidationSplit.None, windowing ?? WindowingOptions.AgroNT);
    }

    /// <summary>
    /// Reads the windows of one part in source order (no shuffling), skipping windows above the ambiguity threshold.
    /// </summary>
    public IEnumerable<DnaWindow> ReadWindows(CorpusPart part) => ReadWindows(part, sourceOrder: null);

    /// <summary>
    /// Reads one part with the training sources in the given order (indices into <see cref="TrainingSources"/>); with
    /// <paramref name="shift"/> and <see cref="WindowingOptions.ShiftEachEpoch"/>, training regions are cut on the grid
    /// of that epoch (validation windows never move).
    /// </summary>
    internal IEnumerable<DnaWindow> ReadWindows(CorpusPart part, IReadOnlyList<int>? sourceOrder, (ulong Seed, long Epoch)? shift = null)
    {
        return ReadWindowsCore(part, sourceOrder, part == CorpusPart.Training && Windowing.ShiftEachEpoch ? shift : null);
    }

    private IEnumerable<DnaWindow> ReadWindowsCore(CorpusPart part, IReadOnlyList<int>? sourceOrder, (ulong Seed, long Epoch)? shift)
    {
        var order = sourceOrder ?? Enumerable.Range(0, _training.Count).ToArray();
        foreach (int index in order)
        {
            foreach (var window in ReadSource(_training[index], index, part, everythingHeldOut: false, shift))
            {
                yield return window;
            }
        }
        if (part == CorpusPart.Validation)
        {
            foreach (var source in _validation)
            {
                foreach (var window in ReadSource(source, -1, part, everythingHeldOut: true, shift: null))
                {
                    yield return window;
                }
            }
        }
    }

    private IEnumerable<DnaWindow> ReadSource(CorpusSource source, int sourceIndex, CorpusPart part, bool everythingHeldOut, (ulong Seed, long Epoch)? shift)
    {
        string sourceName = Path.GetFileName(source.Name);
        long regionIndex = 0;
        long previousRecord = -1;
        long previousEnd = 0;
        foreach (var region in source.ReadRegions(Split.RegionLength))
        {
            // Regions are disjoint: the last chunk of a record is shifted left by the reader, so cut what it repeats.
            long start = region.RecordIndex == previousRecord ? Math.Max(region.Start, previousEnd) : region.Start;
            previousRecord = region.RecordIndex;
            previousEnd = region.Start + region.Sequence.Length;
            bool heldOut = everythingHeldOut || Split.IsHeldOut(sourceName, region.RecordName, regionIndex);
            regionIndex++;
            if (heldOut != (part == CorpusPart.Validation))
            {
                continue;
            }
            string text = region.Sequence;
            int offset = (int)(start - region.Start);
            int offsetOfGrid = shift is { } e
                ? new CounterRandom(e.Seed, (ulong)e.Epoch, ((ulong)(uint)sourceIndex << 40) | (ulong)(regionIndex - 1), 0x57534654 /* "WSFT" */).NextInt(Windowing.Stride)
                : 0;
            foreach (var window in CutWindows(sourceName, region.RecordName, start, text.AsMemory(offset), offsetOfGrid))
            {
                yield return window;
            }
        }
    }

    private IEnumerable<DnaWindow> CutWindows(string source, string record, long regionStart, ReadOnlyMemory<char> region, int gridOffset)
    {
        int length = region.Length;
        int windowLength = Windowing.WindowLength;
        int stride = Windowing.Stride;
        var starts = new List<(int Start, int Count)>();
        if (length <= windowLength)
        {
            int frame = gridOffset % 6;
            starts.Add((frame, length - frame));
        }
        else
        {
            if (gridOffset > 0)
            {
                starts.Add((0, Math.Min(gridOffset + 2 * Windowing.Overlap, windowLength)));
            }
            int s = gridOffset;
            for (; s + windowLength <= length; s += stride)
            {
                starts.Add((s, windowLength));
            }
            int lastEnd = starts.Count == 0 ? 0 : starts[^1].Start + starts[^1].Count;
            if (lastEnd < length)
            {
                starts.Add((length - windowLength, windowLength));
            }
        }
        foreach (var (s, count) in starts)
        {
            if (count < Windowing.MinWindowLength)
            {
                continue;
            }
            string normalized = Normalize(region.Span.Slice(s, count), out int ambiguous);
            if (ambiguous > Windowing.MaxAmbiguousFraction * count)
            {
                continue;
            }
            yield return new DnaWindow(source, record, regionStart + s, normalized);
        }
    }

    /// <summary>Upper-cases a, c, g, t and turns every other character into N (AgroNT's pretraining data rule).</summary>
    internal static string Normalize(ReadOnlySpan<char> text, out int ambiguous)
    {
        int n = 0;
        Span<char> buffer = text.Length <= 8192 ? stackalloc char[text.Length] : new char[text.Length];
        for (int i = 0; i < text.Length; i++)
        {
            // Clearing bit 5 upper-cases ASCII letters; only a/A, c/C, g/G, t/T land on A, C, G, T.
            char upper = (char)(text[i] & ~0x20);
            if (upper is 'A' or 'C' or 'G' or 'T')
            {
                buffer[i] = upper;
            }
            else
            {
                buffer[i] = 'N';
                n++;
            }
        }
        ambiguous = n;
        return new string(buffer);
    }

    private static IEnumerable<SequenceChunk> Regions(IEnumerable<(string Name, string Sequence)> sequences, int regionLength)
    {
        long recordIndex = 0;
        foreach (var (name, sequence) in sequences)
        {
            ArgumentNullException.ThrowIfNull(sequence);
            int count = Math.Max(1, (sequence.Length + regionLength - 1) / regionLength);
            for (int i = 0; i < count; i++)
            {
                int start = i * regionLength;
                int length = Math.Min(regionLength, sequence.Length - start);
                yield return new SequenceChunk(name ?? "", start, sequence.Substring(start, length)) { RecordIndex = recordIndex, IsLastInRecord = i == count - 1 };
            }
            recordIndex++;
        }
    }

    /// <summary>One source: a name and a way to read it in regions of a given length.</summary>
    private sealed record CorpusSource(string Name, Func<int, IEnumerable<SequenceChunk>> ReadRegions);
}
