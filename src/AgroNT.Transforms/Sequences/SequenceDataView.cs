using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace AgroNT.Transforms.Sequences;

/// <summary>
/// A FASTA, FASTQ or plain-text sequence file (each optionally gzip-compressed) as a streaming <see cref="IDataView"/>
/// with two text columns: <c>Name</c> (the record id, the header up to the first whitespace) and <c>Sequence</c>.
/// </summary>
/// <remarks>
/// Nothing is held in memory: each cursor reads the file afresh through <see cref="SequenceReader.ReadFile(string, SequenceFileFormat?)"/>, one
/// record at a time, so a genome streams like a small task file. The view cannot shuffle and does not know its row
/// count without reading the file. Malformed content throws <see cref="SequenceFormatException"/> (naming the file and
/// line) while the cursor moves.
/// </remarks>
public sealed class SequenceDataView : IDataView
{
    /// <summary>The name of the record-id column.</summary>
    public const string NameColumnName = "Name";

    /// <summary>The name of the sequence column.</summary>
    public const string SequenceColumnName = "Sequence";

    private SequenceDataView(string path, SequenceFileFormat format)
    {
        FilePath = path;
        Format = format;
        var builder = new DataViewSchema.Builder();
        builder.AddColumn(NameColumnName, TextDataViewType.Instance);
        builder.AddColumn(SequenceColumnName, TextDataViewType.Instance);
        Schema = builder.ToSchema();
    }

    /// <summary>The file read, as a full path.</summary>
    public string FilePath { get; }

    /// <summary>The layout the file is read with.</summary>
    public SequenceFileFormat Format { get; }

    /// <inheritdoc/>
    public bool CanShuffle => false;

    /// <inheritdoc/>
    public DataViewSchema Schema { get; }

    /// <summary>Opens a sequence file; nothing is read until a cursor moves.</summary>
    /// <param name="path">A FASTA, FASTQ or <c>.txt</c> file, optionally gzip-compressed.</param>
    /// <param name="format">The layout, or <see langword="null"/> to tell it from the extension (<see cref="SequenceReader.DetectFormat"/>).</param>
    /// <returns>The streaming view.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="ArgumentException"><paramref name="format"/> is <see langword="null"/> and the extension is not recognised.</exception>
    public static SequenceDataView Open(string path, SequenceFileFormat? format = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        string fullPath = Path.GetFullPath(path);
        if (!File.Exists(fullPath))
        {
            throw new FileNotFoundException($"The sequence file '{fullPath}' does not exist.", fullPath);
        }
        return new SequenceDataView(fullPath, format ?? SequenceReader.DetectFormat(fullPath));
    }

    /// <summary>The row count is not known without reading the file.</summary>
    /// <returns>Always <see langword="null"/>.</returns>
    public long? GetRowCount() => null;

    /// <inheritdoc/>
    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        ArgumentNullException.ThrowIfNull(columnsNeeded);
        var active = new bool[Schema.Count];
        foreach (DataViewSchema.Column column in columnsNeeded)
        {
            active[column.Index] = true;
        }
        return new Cursor(this, active);
    }

    /// <summary>Returns a single cursor: a file is read in order by one reader.</summary>
    /// <param name="columnsNeeded">The active columns.</param>
    /// <param name="n">The suggested number of cursors (ignored).</param>
    /// <param name="rand">Ignored: the view cannot shuffle.</param>
    /// <returns>One cursor.</returns>
    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        [GetRowCursor(columnsNeeded, rand)];

    /// <inheritdoc/>
    public override string ToString() => $"{Format} ({Path.GetFileName(FilePath)})";

    private sealed class Cursor(SequenceDataView view, bool[] active)
        : StreamingRowCursor<SequenceRecord>(view.Schema, active, SequenceReader.ReadFile(view.FilePath, view.Format))
    {
        protected override Delegate CreateGetter(DataViewSchema.Column column) => column.Index == 0
            ? (ValueGetter<ReadOnlyMemory<char>>)((ref ReadOnlyMemory<char> value) => value = Current.Name.AsMemory())
            : (ValueGetter<ReadOnlyMemory<char>>)((ref ReadOnlyMemory<char> value) => value = Current.Sequence.AsMemory());
    }
}
