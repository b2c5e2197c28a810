using System.Text;

namespace AgroNT.MLNet.EmbeddingFiles;

/// <summary>
/// Streams (id, embedding) rows to a <c>.parquet</c>, <c>.csv</c>, <c>.jsonl</c> or <c>.npy</c> file, the outputs of
/// <c>agront embed</c>. Rows go to a temporary file beside the destination (<c>path + ".tmp-&lt;random&gt;"</c>);
/// <see cref="Complete"/> renames it into place, so the destination holds either the complete new file or whatever it
/// held before, never a partial one.
/// </summary>
/// <remarks>
/// <para>Disposing a writer without <see cref="Complete"/> (after an error, or on cancellation) deletes the temporary
/// file and leaves an existing destination untouched.</para>
/// <para>Memory stays bounded: text and NumPy rows go straight to the file, Parquet rows are buffered for one row
/// group (1,024 rows or 4M floats, whichever comes first).</para>
/// <para>See <see cref="EmbeddingFileFormat"/> for each layout. <see cref="EmbeddingFileFormat.Csv"/> and
/// <see cref="EmbeddingFileFormat.Npy"/> need every row to have the length of the first one; with no rows a CSV file
/// is the header <c>id</c> alone and a NumPy array has shape <c>(0, 0)</c>.</para>
/// <para>A writer is not thread-safe.</para>
/// </remarks>
/// <example>
/// <code>
/// using var writer = EmbeddingFileWriter.Create("embeddings.parquet");
/// foreach (var (id, vector) in results)
/// {
///     writer.Write(id, vector);
/// }
/// writer.Complete();
/// </code>
/// </example>
public sealed class EmbeddingFileWriter : IDisposable, IAsyncDisposable
{
    // Rejects ids with unpaired surrogates, which UTF-8 cannot hold: the encoders would silently write U+FFFD.
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly EmbeddingSink _sink;
    private State _state;

    private EmbeddingFileWriter(string path, EmbeddingFileFormat format, EmbeddingSink sink)
    {
        Path = path;
        Format = format;
        _sink = sink;
    }

    private enum State
    {
        Open,
        Completed,
        Failed,
        Disposed,
    }

    /// <summary>The destination path, as given to <see cref="Create(string, EmbeddingFileFormat?)"/>.</summary>
    public string Path { get; }

    /// <summary>The format being written.</summary>
    public EmbeddingFileFormat Format { get; }

    /// <summary>Rows written so far.</summary>
    public long RowCount { get; private set; }

    /// <summary>
    /// Starts writing <paramref name="path"/>. Nothing appears at <paramref name="path"/> until <see cref="Complete"/>.
    /// </summary>
    /// <param name="path">The destination file; its folder must exist. An existing file is replaced on <see cref="Complete"/>.</param>
    /// <param name="format">The format; by default chosen from the extension by <see cref="EmbeddingFileFormats.FromPath"/>.</param>
    /// <returns>An open writer; dispose it.</returns>
    /// <exception cref="ArgumentException">No <paramref name="format"/> and an extension that names none.</exception>
    /// <exception cref="DirectoryNotFoundException">The folder of <paramref name="path"/> does not exist.</exception>
    public static EmbeddingFileWriter Create(string path, EmbeddingFileFormat? format = null) =>
        Create(path, format, ParquetRowGroupLimits.Default);

    /// <summary><see cref="Create(string, EmbeddingFileFormat?)"/> with chosen Parquet row group limits (for tests).</summary>
    internal static EmbeddingFileWriter Create(string path, EmbeddingFileFormat? format, ParquetRowGroupLimits parquetLimits)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(parquetLimits);
        EmbeddingFileFormat chosen = format ?? EmbeddingFileFormats.FromPath(path);
        EmbeddingSink sink = chosen switch
        {
            EmbeddingFileFormat.Parquet => new ParquetEmbeddingSink(path, parquetLimits),
            EmbeddingFileFormat.Csv => new CsvEmbeddingSink(path),
            EmbeddingFileFormat.JsonLines => new JsonLinesEmbeddingSink(path),
            EmbeddingFileFormat.Npy => new NpyEmbeddingSink(path),
            _ => throw new ArgumentOutOfRangeException(nameof(format), format, $"Unknown embedding file format; use one of {EmbeddingFileFormats.AcceptedExtensions}."),
        };
        return new EmbeddingFileWriter(path, chosen, sink);
    }

    /// <summary>Writes one row.</summary>
    /// <param name="id">The row's id (a FASTA name, <c>line&lt;N&gt;</c>); any valid Unicode text.</param>
    /// <param name="embedding">The row's vector; copied or written before the call returns.</param>
    /// <exception cref="ArgumentException">
    /// <paramref name="id"/> is not valid Unicode; or, for <c>.npy</c>, contains a line break; or, for <c>.jsonl</c>,
    /// <paramref name="embedding"/> holds NaN or infinity. The row is not written and the writer stays usable.
    /// </exception>
    /// <exception cref="InvalidOperationException">
    /// For <c>.csv</c> and <c>.npy</c>, a row of another length than the first one (the writer stays usable); or the
    /// writer is already complete or failed.
    /// </exception>
    public void Write(string id, ReadOnlySpan<float> embedding)
    {
        ArgumentNullException.ThrowIfNull(id);
        EnsureOpen();
        try
        {
            StrictUtf8.GetByteCount(id);
        }
        catch (EncoderFallbackException e)
        {
            throw new ArgumentException($"Row {RowCount}: the id '{id}' for '{Path}' is not valid Unicode (an unpaired surrogate at index {e.Index}); fix how the id was read or built.", nameof(id), e);
        }
        _sink.Validate(RowCount, id, embedding);
        try
        {
            _sink.Append(id, embedding);
        }
        catch
        {
            Fail();
            throw;
        }
        RowCount++;
    }

    /// <summary>Finishes the file and renames it to <see cref="Path"/> (and, for <c>.npy</c>, the ids sidecar beside it).</summary>
    /// <exception cref="InvalidOperationException">The writer is already complete or failed.</exception>
    public void Complete()
    {
        EnsureOpen();
        try
        {
            _sink.Complete();
            _state = State.Completed;
        }
        catch
        {
            Fail();
            throw;
        }
    }

    /// <summary>Asynchronous <see cref="Complete"/>.</summary>
    /// <param name="cancellationToken">Cancels finishing; the temporary file is then deleted.</param>
    /// <returns>A task that completes when the file is in place.</returns>
    /// <exception cref="InvalidOperationException">The writer is already complete or failed.</exception>
    public async Task CompleteAsync(CancellationToken cancellationToken = default)
    {
        EnsureOpen();
        try
        {
            await _sink.CompleteAsync(cancellationToken).ConfigureAwait(false);
            _state = State.Completed;
        }
        catch
        {
            await FailAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Closes the writer; without <see cref="Complete"/> the temporary file is deleted and <see cref="Path"/> left as it was.</summary>
    public void Dispose()
    {
        if (_state == State.Open)
        {
            _sink.Abandon();
        }
        _state = State.Disposed;
    }

    /// <summary>Asynchronous <see cref="Dispose"/>.</summary>
    /// <returns>A task that completes when the temporary file is gone.</returns>
    public async ValueTask DisposeAsync()
    {
        if (_state == State.Open)
        {
            await _sink.AbandonAsync().ConfigureAwait(false);
        }
        _state = State.Disposed;
    }

    private void EnsureOpen()
    {
        switch (_state)
        {
            case State.Disposed:
                throw new ObjectDisposedException(nameof(EmbeddingFileWriter), $"The embedding writer for '{Path}' is disposed.");
            case State.Completed or State.Failed:
                throw EmbeddingFileErrors.Finished(Path, _state == State.Completed);
        }
    }

    // Cleaning up after a failure must not hide the failure, so a second I/O error while deleting is dropped.
    private void Fail()
    {
        _state = State.Failed;
        try
        {
            _sink.Abandon();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }

    private async ValueTask FailAsync()
    {
        _state = State.Failed;
        try
        {
            await _sink.AbandonAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }
}
