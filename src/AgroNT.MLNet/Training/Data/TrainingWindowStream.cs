namespace AgroNT.MLNet.Training.Data;

/// <summary>Where the training stream stands: the epoch and how many windows of it were taken.</summary>
/// <param name="Epoch">0-based pass over the training part.</param>
/// <param name="WindowsTaken">Windows of that epoch already handed out.</param>
public readonly record struct DataPosition(long Epoch, long WindowsTaken);

/// <summary>A training window with the counters that name it (they seed its mask).</summary>
internal readonly record struct NumberedWindow(DnaWindow Window, long Epoch, long Index);

/// <summary>
/// The endless, reproducible stream of training windows: each epoch reads the training sources in an order shuffled
/// from (seed, epoch) through a shuffle buffer seeded the same way. The stream is a pure function of the seed, so a
/// resumed run re-reads the current epoch and skips the windows already taken (reading, without any model work).
/// </summary>
internal sealed class TrainingWindowStream : IDisposable
{
    private readonly PretrainingCorpus _corpus;
    private readonly ulong _seed;
    private readonly int _bufferCapacity;
    private IEnumerator<DnaWindow>? _epoch;
    private long _epochNumber;
    private long _taken;

    public TrainingWindowStream(PretrainingCorpus corpus, ulong seed, int shuffleBufferWindows, DataPosition start)
    {
        _corpus = corpus;
        _seed = seed;
        _bufferCapacity = shuffleBufferWindows;
        _epochNumber = start.Epoch;
        _epoch = OpenEpoch(_epochNumber);
        for (long i = 0; i < start.WindowsTaken; i++)
        {
            if (!_epoch.MoveNext())
            {
                throw new InvalidOperationException(
                    $"The checkpoint says {start.WindowsTaken} windows of epoch {start.Epoch} were used, but the training data now has only {i}: the genomes changed since the checkpoint.");
            }
        }
        _taken = start.WindowsTaken;
    }

    /// <summary>The position after the last window handed out.</summary>
    public DataPosition Position => new(_epochNumber, _taken);

    /// <summary>The next window; a new epoch starts when one ends.</summary>
    public NumberedWindow Next()
    {
        if (_epoch!.MoveNext())
        {
            return new NumberedWindow(_epoch.Current, _epochNumber, _taken++);
        }
        if (_taken == 0)
        {
            throw new InvalidOperationException("The training part of the corpus has no windows: the genomes are empty, all held out, or too ambiguous (MaxAmbiguousFraction).");
        }
        _epoch.Dispose();
        _epochNumber++;
        _taken = 0;
        _epoch = OpenEpoch(_epochNumber);
        return Next();
    }

    public void Dispose() => _epoch?.Dispose();

    private IEnumerator<DnaWindow> OpenEpoch(long epoch)
    {
        var random = new CounterRandom(_seed, (ulong)epoch, 0x53485546 /* "SHUF" */);
        int[] order = Enumerable.Range(0, _corpus.TrainingSources.Count).ToArray();
        for (int i = order.Length - 1; i > 0; i--)
        {
            int j = random.NextInt(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }
        return Shuffle(_corpus.ReadWindows(CorpusPart.Training, order, (_seed, epoch)), _bufferCapacity, random).GetEnumerator();
    }

    /// <summary>
    /// A shuffle buffer: holds up to <paramref name="capacity"/> items and hands out a random one as each new item
    /// arrives; at the end, the remainder in random order. A corpus no larger than the buffer is fully shuffled.
    /// </summary>
    internal static IEnumerable<T> Shuffle<T>(IEnumerable<T> items, int capacity, CounterRandom random)
    {
        var buffer = new List<T>(Math.Min(capacity, 1 << 16));
        foreach (var item in items)
        {
            if (buffer.Count < capacity)
            {
                buffer.Add(item);
                continue;
            }
            int j = random.NextInt(buffer.Count);
            yield return buffer[j];
            buffer[j] = item;
        }
        for (int i = buffer.Count - 1; i >= 0; i--)
        {
            int j = random.NextInt(i + 1);
            yield return buffer[j];
            buffer[j] = buffer[i];
        }
    }
}
