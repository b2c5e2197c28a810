using System.Globalization;
using AgroNT.Transforms.IO;
using Parquet;
using Parquet.Schema;

namespace AgroNT.MLNet.EmbeddingFiles;

/// <summary>
/// Buffers rows and writes them as Parquet row groups of at most <see cref="ParquetRowGroupLimits.Rows"/> rows or
/// <see cref="ParquetRowGroupLimits.Values"/> floats, so memory stays bounded however many rows come.
/// </summary>
internal sealed class ParquetEmbeddingSink : EmbeddingSink
{
    private readonly StagedFile _file;
    private readonly ParquetWriter _writer;
    private readonly DataField _idField;
    private readonly DataField _elementField;
    private readonly ParquetRowGroupLimits _limits;
    private readonly List<string> _ids = [];
    private readonly List<int> _lengths = [];
    private float[] _values = new float[1024];
    private int _valueCount;
    private int[] _definitionLevels = [];
    private int[] _repetitionLevels = [];
    private int? _dimension;
    private bool _variableLength;
    private bool _closed;

    public ParquetEmbeddingSink(string path, ParquetRowGroupLimits limits)
    {
        _limits = limits;
        (ParquetSchema schema, _idField, _elementField) = ParquetEmbeddingSchema.Create();
        _file = StagedFile.Create(path);
        try
        {
            _writer = SyncOverAsync.Run(() => ParquetWriter.CreateAsync(schema, _file.Stream, null, false, CancellationToken.None));
        }
        catch
        {
            _file.Abandon();
            throw;
        }
    }

    public override void Append(string id, ReadOnlySpan<float> embedding)
    {
        if (_dimension is null)
        {
            _dimension = embedding.Length;
        }
        else if (_dimension != embedding.Length)
        {
            _variableLength = true;
        }
        if (_valueCount + embedding.Length > _values.Length)
        {
            Array.Resize(ref _values, Math.Max(_valueCount + embedding.Length, 2 * _values.Length));
        }
        embedding.CopyTo(_values.AsSpan(_valueCount));
        _valueCount += embedding.Length;
        _ids.Add(id);
        _lengths.Add(embedding.Length);
        if (_ids.Count >= _limits.Rows || _valueCount >= _limits.Values)
        {
            SyncOverAsync.Run(() => FlushAsync(CancellationToken.None));
        }
    }

    public override void Complete() => SyncOverAsync.Run(() => CompleteAsync(CancellationToken.None));

    public override async Task CompleteAsync(CancellationToken cancellationToken)
    {
        await FlushAsync(cancellationToken).ConfigureAwait(false);
        if (_dimension is int dimension && !_variableLength)
        {
            _writer.CustomMetadata = new Dictionary<string, string>
            {
                [ParquetEmbeddingSchema.DimensionKey] = dimension.ToString(CultureInfo.InvariantCulture),
            };
        }
        _closed = true;
        // Disposing the writer writes the footer; only then is the file complete.
        await _writer.DisposeAsync().ConfigureAwait(false);
        _file.Commit();
    }

    public override void Abandon() => SyncOverAsync.Run(async () => await AbandonAsync().ConfigureAwait(false));

    public override async ValueTask AbandonAsync()
    {
        try
        {
            if (!_closed)
            {
                _closed = true;
                // Writes a footer into the temporary file that is deleted next; it releases the writer's pooled buffers.
                await _writer.DisposeAsync().ConfigureAwait(false);
            }
        }
        catch (IOException)
        {
            // The temporary file is being thrown away; a failure to finish it changes nothing.
        }
        finally
        {
            _file.Abandon();
        }
    }

    private async Task FlushAsync(CancellationToken cancellationToken)
    {
        if (_ids.Count == 0)
        {
            return;
        }
        int levelCount = BuildLevels();
        using (ParquetRowGroupWriter group = _writer.CreateRowGroup())
        {
            await group.WriteAsync(_idField, _ids, repetitionLevels: null).ConfigureAwait(false);
            // Plain WriteAsync cannot write a list column of required elements (Parquet.Net 6.1 fails with "Definition
            // levels are not ready yet"), and it has no way to say "empty list"; WriteAllPartsAsync takes the levels.
            await group.WriteAllPartsAsync<float>(
                _elementField,
                _values.AsMemory(0, _valueCount),
                _definitionLevels.AsMemory(0, levelCount),
                _repetitionLevels.AsMemory(0, levelCount),
                cancellationToken).ConfigureAwait(false);
            group.CompleteValidate();
        }
        _ids.Clear();
        _lengths.Clear();
        _valueCount = 0;
    }

    /// <summary>Fills the Dremel levels of the buffered lists and returns how many there are.</summary>
    /// <remarks>
    /// Definition level 2 = a value, 1 = an empty list (0 would be a null list, which we never write); repetition
    /// level 0 starts a row, 1 continues its list.
    /// </remarks>
    private int BuildLevels()
    {
        int count = 0;
        foreach (int length in _lengths)
        {
            count += Math.Max(length, 1);
        }
        if (_definitionLevels.Length < count)
        {
            _definitionLevels = new int[Math.Max(count, 2 * _definitionLevels.Length)];
            _repetitionLevels = new int[_definitionLevels.Length];
        }
        int at = 0;
        foreach (int length in _lengths)
        {
            if (length == 0)
            {
                _definitionLevels[at] = _elementField.MaxDefinitionLevel - 1;
                _repetitionLevels[at++] = 0;
                continue;
            }
            _definitionLevels.AsSpan(at, length).Fill(_elementField.MaxDefinitionLevel);
            _repetitionLevels.AsSpan(at, length).Fill(1);
            _repetitionLevels[at] = 0;
            at += length;
        }
        return count;
    }
}
