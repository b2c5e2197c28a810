namespace AgroNT.MLNet.EmbeddingFiles;

/// <summary>One format's half of <see cref="EmbeddingFileWriter"/>: it writes rows to staged files and commits them.</summary>
internal abstract class EmbeddingSink
{
    /// <summary>
    /// Throws if the format cannot hold this row, before anything is written, so the writer stays usable.
    /// <paramref name="row"/> counts from 0 and is only used in messages.
    /// </summary>
    public virtual void Validate(long row, string id, ReadOnlySpan<float> embedding)
    {
    }

    /// <summary>Writes a row that passed <see cref="Validate"/>. An exception here leaves the sink unusable.</summary>
    public abstract void Append(string id, ReadOnlySpan<float> embedding);

    /// <summary>Finishes the format (headers, footers) and renames the staged files into place.</summary>
    public abstract void Complete();

    /// <summary>Asynchronous <see cref="Complete"/>; formats with asynchronous writers override it.</summary>
    public virtual Task CompleteAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Complete();
        return Task.CompletedTask;
    }

    /// <summary>Deletes the staged files, leaving the destination files as they were. Safe to call more than once.</summary>
    public abstract void Abandon();

    /// <summary>Asynchronous <see cref="Abandon"/>.</summary>
    public virtual ValueTask AbandonAsync()
    {
        Abandon();
        return ValueTask.CompletedTask;
    }
}
