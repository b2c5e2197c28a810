namespace AgroNT.Transforms.Embeddings;

/// <summary>Counts the inputs and tokens of one embedding call and reports them after each batch (<see cref="DnaEmbeddingOptions.Progress"/>).</summary>
internal sealed class EmbeddingProgressCounter
{
    private readonly IProgress<DnaEmbeddingProgress>? _sink;
    private readonly int[] _lengths;
    private readonly long _tokenCount;
    private int _inputsDone;
    private long _tokensDone;

    /// <summary>Starts counting a call over inputs of these lengths (in tokens); nothing is reported when <paramref name="sink"/> is null.</summary>
    public EmbeddingProgressCounter(IProgress<DnaEmbeddingProgress>? sink, int[] lengths)
    {
        _sink = sink;
        _lengths = lengths;
        _tokenCount = sink is null ? 0 : lengths.Sum(length => (long)length);
    }

    /// <summary>Counts a finished batch (indexes into the lengths) and reports the totals so far.</summary>
    public void Done(ReadOnlySpan<int> batch)
    {
        if (_sink is null)
        {
            return;
        }
        foreach (int index in batch)
        {
            _tokensDone += _lengths[index];
        }
        _inputsDone += batch.Length;
        _sink.Report(new DnaEmbeddingProgress(_inputsDone, _lengths.Length, _tokensDone, _tokenCount));
    }
}
