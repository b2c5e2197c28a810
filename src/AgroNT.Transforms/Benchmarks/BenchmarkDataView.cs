using System.Globalization;
using AgroNT.Transforms.Sequences;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace AgroNT.Transforms.Benchmarks;

/// <summary>
/// A Plant Genomic Benchmark FASTA file (<c>&gt;NAME|LABEL</c> or <c>&gt;NAME|l1|...|lK</c> headers) as a streaming
/// <see cref="IDataView"/> with the columns <c>Name</c>, <c>Sequence</c> and either <c>Label</c> (Boolean for binary
/// classification, Single for regression) or <c>Labels</c> (a Single vector of the task's label count).
/// </summary>
/// <remarks>
/// <para>Nothing is held in memory: each cursor reads the file afresh, one record at a time (gzip is decompressed on
/// the fly), so the 5 GB chromatin training files stream like any other. The view cannot shuffle and does not know
/// its row count without reading it; <see cref="ReadExamples"/> gives the same records without ML.NET.</para>
/// <para>Each record is validated as it is read. A header that does not parse, a record with the wrong number of
/// labels, or a class label other than 0 or 1 throws <see cref="SequenceFormatException"/> naming the file and line.</para>
/// </remarks>
public sealed class BenchmarkDataView : IDataView
{
    private readonly SequenceFileFormat _format;
    private readonly string _expectation;

    private BenchmarkDataView(string path, SequenceFileFormat format, ProblemType problemType, int labelCount, string? taskId, string expectation)
    {
        FilePath = path;
        _format = format;
        ProblemType = problemType;
        LabelCount = labelCount;
        TaskId = taskId;
        _expectation = expectation;
        var builder = new DataViewSchema.Builder();
        builder.AddColumn(BenchmarkColumns.Name, TextDataViewType.Instance);
        builder.AddColumn(BenchmarkColumns.Sequence, TextDataViewType.Instance);
        if (problemType.IsSingleOutput())
        {
            builder.AddColumn(BenchmarkColumns.Label, problemType == ProblemType.BinaryClassification ? BooleanDataViewType.Instance : NumberDataViewType.Single);
        }
        else
        {
            builder.AddColumn(BenchmarkColumns.Labels, new VectorDataViewType(NumberDataViewType.Single, labelCount));
        }
        Schema = builder.ToSchema();
    }

    /// <summary>The file read, as a full path.</summary>
    public string FilePath { get; }

    /// <summary>What the labels mean.</summary>
    public ProblemType ProblemType { get; }

    /// <summary>Labels per record (1 for binary and regression tasks).</summary>
    public int LabelCount { get; }

    /// <summary>The task id (<c>family/config</c>) when opened for a task, else <see langword="null"/>.</summary>
    public string? TaskId { get; }

    /// <summary>The name of the label column: <c>Label</c> or <c>Labels</c>.</summary>
    public string LabelColumnName => ProblemType.IsSingleOutput() ? BenchmarkColumns.Label : BenchmarkColumns.Labels;

    /// <inheritdoc/>
    public bool CanShuffle => false;

    /// <inheritdoc/>
    public DataViewSchema Schema { get; }

    /// <summary>Opens a file of a task (its problem type and label count are the task's).</summary>
    /// <param name="path">A FASTA file (optionally gzip-compressed) with benchmark headers.</param>
    /// <param name="task">The task the file belongs to.</param>
    /// <returns>The streaming view.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="SequenceFormatException">The task's label count is not confirmed and the first record is malformed.</exception>
    public static BenchmarkDataView Open(string path, BenchmarkTask task)
    {
        ArgumentNullException.ThrowIfNull(task);
        return Open(path, task.ProblemType, task.OutputCountConfirmed ? task.OutputCount : null, task.Id);
    }

    /// <summary>Opens a file with benchmark headers given its problem type, for data outside the catalog.</summary>
    /// <param name="path">A FASTA file (optionally gzip-compressed) with benchmark headers.</param>
    /// <param name="problemType">What the labels mean.</param>
    /// <param name="labelCount">
    /// Labels per record; <see langword="null"/> takes it from the first record for multi-label and multi-output
    /// data (it is 1 for the other two types).
    /// </param>
    /// <returns>The streaming view.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The label count is not positive, or not 1 for a single-output type.</exception>
    /// <exception cref="SequenceFormatException">The label count is taken from a file that is empty or whose first record is malformed.</exception>
    public static BenchmarkDataView Open(string path, ProblemType problemType, int? labelCount = null) =>
        Open(path, problemType, labelCount, taskId: null);

    private static BenchmarkDataView Open(string path, ProblemType problemType, int? labelCount, string? taskId)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!Enum.IsDefined(problemType))
        {
            throw new ArgumentOutOfRangeException(nameof(problemType), problemType, "Unknown problem type.");
        }
        string fullPath = Path.GetFullPath(path);
        if (!File.Exists(fullPath))
        {
            throw new FileNotFoundException($"The benchmark file '{fullPath}' does not exist.", fullPath);
        }
        SequenceFileFormat format = DetectFormat(fullPath);
        if (problemType.IsSingleOutput())
        {
            if (labelCount is not (null or 1))
            {
                throw new ArgumentOutOfRangeException(nameof(labelCount), labelCount, $"A {problemType} task has exactly one label per record.");
            }
            return new BenchmarkDataView(fullPath, format, problemType, 1, taskId, Describe(taskId, problemType, confirmed: true));
        }
        if (labelCount is { } count)
        {
            return count > 0
                ? new BenchmarkDataView(fullPath, format, problemType, count, taskId, Describe(taskId, problemType, confirmed: true))
                : throw new ArgumentOutOfRangeException(nameof(labelCount), labelCount, "The label count must be positive.");
        }
        SequenceRecord first = SequenceReader.ReadFile(fullPath, format).FirstOrDefault()
            ?? throw new SequenceFormatException(fullPath, 1, "the file has no records, so the number of labels cannot be read from it; pass the label count.");
        int fromFile = ParseHeader(fullPath, first).Labels.Length;
        return new BenchmarkDataView(fullPath, format, problemType, fromFile, taskId, Describe(taskId, problemType, confirmed: false));
    }

    /// <summary>Streams the records with their validated labels, without ML.NET; each enumeration reads the file again.</summary>
    /// <returns>The examples in file order.</returns>
    /// <exception cref="SequenceFormatException">During enumeration: a malformed header, a wrong label count or a class label other than 0/1.</exception>
    public IEnumerable<TaskExample> ReadExamples()
    {
        bool classes = ProblemType.IsClassification();
        foreach (SequenceRecord record in SequenceReader.ReadFile(FilePath, _format))
        {
            BenchmarkLabel label = ParseHeader(FilePath, record);
            if (label.Labels.Length != LabelCount)
            {
                ThrowHelper.ThrowLabelCount(FilePath, record.LineNumber, label.Name, label.Labels.Length, LabelCount, _expectation);
            }
            if (classes)
            {
                for (int i = 0; i < label.Labels.Length; i++)
                {
                    if (label.Labels[i] is not (0f or 1f))
                    {
                        ThrowHelper.ThrowNotZeroOne(FilePath, record.LineNumber, label.Name, i + 1, label.Labels[i],
                            ProblemType == ProblemType.BinaryClassification ? "binary" : "multi-label");
                    }
                }
            }
            yield return new TaskExample(label.Name, record.Sequence, label.Labels, record.LineNumber);
        }
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
    public override string ToString() => $"{TaskId ?? ProblemType.ToString()} ({Path.GetFileName(FilePath)})";

    private static SequenceFileFormat DetectFormat(string path)
    {
        try
        {
            return SequenceReader.DetectFormat(path);
        }
        catch (ArgumentException)
        {
            // Explicit files may have any name; the benchmark is FASTA.
            return SequenceFileFormat.Fasta;
        }
    }

    private static BenchmarkLabel ParseHeader(string path, SequenceRecord record)
    {
        string header = record.Description.Length == 0 ? record.Name : $"{record.Name} {record.Description}";
        try
        {
            return BenchmarkHeader.Parse(header);
        }
        catch (FormatException exception)
        {
            throw new SequenceFormatException(path, record.LineNumber, exception.Message, exception);
        }
    }

    private static string Describe(string? taskId, ProblemType problemType, bool confirmed) =>
        (taskId, confirmed) switch
        {
            (not null, true) => $"task {taskId} has",
            (not null, false) => $"the first record of this {taskId} file has",
            (null, true) => $"this {problemType} data is declared with",
            (null, false) => "the first record of the file has",
        };

    private sealed class Cursor(BenchmarkDataView view, bool[] active)
        : Sequences.StreamingRowCursor<TaskExample>(view.Schema, active, view.ReadExamples())
    {
        protected override Delegate CreateGetter(DataViewSchema.Column column) => column.Name switch
        {
            BenchmarkColumns.Name => (ValueGetter<ReadOnlyMemory<char>>)((ref ReadOnlyMemory<char> value) => value = Current.Name.AsMemory()),
            BenchmarkColumns.Sequence => (ValueGetter<ReadOnlyMemory<char>>)((ref ReadOnlyMemory<char> value) => value = Current.Sequence.AsMemory()),
            BenchmarkColumns.Label when view.ProblemType == ProblemType.BinaryClassification =>
                (ValueGetter<bool>)((ref bool value) => value = Current.Labels[0] == 1f),
            BenchmarkColumns.Label => (ValueGetter<float>)((ref float value) => value = Current.Labels[0]),
            _ => (ValueGetter<VBuffer<float>>)GetLabels,
        };

        private void GetLabels(ref VBuffer<float> value)
        {
            float[] labels = Current.Labels;
            VBufferEditor<float> editor = VBufferEditor.Create(ref value, labels.Length);
            labels.CopyTo(editor.Values);
            value = editor.Commit();
        }
    }
}
