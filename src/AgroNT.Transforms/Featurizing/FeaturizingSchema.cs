using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace AgroNT.Transforms.Featurizing;

/// <summary>
/// How one input schema maps through a featurizer that appends one float-vector column: the input columns keep their
/// indices (an output named like an input column hides it, as in ML.NET) and the feature column comes last.
/// Shared by the TorchSharp and the ONNX featurizers.
/// </summary>
internal sealed class FeaturizingSchema
{
    public FeaturizingSchema(DataViewSchema inputSchema, DataViewSchema.Column inputColumn, string outputColumnName, VectorDataViewType outputType)
    {
        InputSchema = inputSchema;
        InputColumn = inputColumn;
        OutputType = outputType;
        var builder = new DataViewSchema.Builder();
        builder.AddColumns(inputSchema);
        builder.AddColumn(outputColumnName, outputType);
        OutputSchema = builder.ToSchema();
        OutputIndex = inputSchema.Count;
    }

    public DataViewSchema InputSchema { get; }

    public DataViewSchema OutputSchema { get; }

    /// <summary>The column featurized.</summary>
    public DataViewSchema.Column InputColumn { get; }

    public VectorDataViewType OutputType { get; }

    public int OutputIndex { get; }

    /// <summary>Whether <paramref name="columns"/> asks for the feature column.</summary>
    public bool IsOutputRequested(IEnumerable<DataViewSchema.Column> columns) => columns.Any(c => c.Index == OutputIndex);

    /// <summary>The input columns a pass-through cursor needs for <paramref name="outputColumns"/> (never the input column for the features' sake).</summary>
    public IEnumerable<DataViewSchema.Column> PassThrough(IEnumerable<DataViewSchema.Column> outputColumns) =>
        outputColumns.Where(c => c.Index < InputSchema.Count).Select(c => c.Index).Distinct().Order().Select(i => InputSchema[i]);

    /// <summary>The input columns needed to produce <paramref name="outputColumns"/> from one input row.</summary>
    public IEnumerable<DataViewSchema.Column> Dependencies(IEnumerable<DataViewSchema.Column> outputColumns)
    {
        var needed = new SortedSet<int>();
        foreach (DataViewSchema.Column column in outputColumns)
        {
            needed.Add(column.Index < InputSchema.Count ? column.Index : InputColumn.Index);
        }

        return needed.Select(i => InputSchema[i]);
    }

    /// <summary>Checks a getter request for the feature column and casts <paramref name="getter"/> to it.</summary>
    public ValueGetter<TValue> OutputGetter<TValue>(DataViewSchema.Column column, bool active, ValueGetter<VBuffer<float>> getter)
    {
        if (!active)
        {
            ThrowHelper.ThrowInactiveColumn(column.Name);
        }

        if (typeof(TValue) != typeof(VBuffer<float>))
        {
            ThrowHelper.ThrowEmbeddingGetterType(column.Name, typeof(TValue), OutputType.ToString());
        }

        return (ValueGetter<TValue>)(Delegate)getter;
    }

    /// <summary>How a row is named in errors.</summary>
    public string RowName(long position) => string.Create(CultureInfo.InvariantCulture, $"row {position} of column {InputColumn.Name}");
}
