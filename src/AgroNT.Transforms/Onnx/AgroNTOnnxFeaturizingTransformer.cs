using Microsoft.ML;
using Microsoft.ML.Data;

namespace AgroNT.Transforms.Onnx;

/// <summary>What the input column of the ONNX featurizer holds.</summary>
internal enum OnnxFeaturizingInput
{
    Text,
    Int32Ids,
    Int64Ids,
}

/// <summary>
/// Embeds a column of DNA (or token ids) with an AgroNT ONNX model. Lazy: nothing is computed until a cursor moves;
/// a cursor then reads <see cref="RowsPerBlock"/> rows ahead and embeds them together in length-sorted padded
/// batches, so inference is never one row at a time. Made by <see cref="AgroNTOnnxFeaturizingEstimator"/>
/// (<c>mlContext.Transforms.FeaturizeAgroNTOnnx(...)</c>). Thread-safe; dispose it to release an ONNX Runtime
/// session it created.
/// </summary>
/// <remarks>
/// The output keeps the input's row order, so the data view cannot shuffle (<see cref="IDataView.CanShuffle"/> is false:
/// ML.NET shuffles after it, from a cache, where a trainer needs it). Each view keeps the vectors it computed, up to
/// <see cref="EmbeddingCacheBytes"/>, so a learner reading it several times embeds each row once. ML.NET cannot save
/// transformers from outside its own assemblies; save a fitted pipeline holding this one with
/// <c>mlContext.Model.SaveAgroNT</c> (AgroNT.MLNet), which stores its settings and the model.
/// </remarks>
public sealed class AgroNTOnnxFeaturizingTransformer : ITransformer, IDisposable
{
    internal const string ExpectedInput = "a scalar Text column of DNA, or a vector of Int32 or Int64 token ids";

    private readonly bool _ownsEmbedder;

    internal AgroNTOnnxFeaturizingTransformer(AgroNTOnnxEmbedder embedder, bool ownsEmbedder, string inputColumnName, string outputColumnName, int rowsPerBlock, long embeddingCacheBytes)
    {
        Embedder = embedder;
        _ownsEmbedder = ownsEmbedder;
        InputColumnName = inputColumnName;
        OutputColumnName = outputColumnName;
        RowsPerBlock = rowsPerBlock;
        EmbeddingCacheBytes = embeddingCacheBytes;
        OutputType = new VectorDataViewType(NumberDataViewType.Single, embedder.VectorLength ?? 0);
    }

    /// <summary>The embedder.</summary>
    public AgroNTOnnxEmbedder Embedder { get; }

    /// <summary>The DNA or token-id column read.</summary>
    public string InputColumnName { get; }

    /// <summary>The embedding column written.</summary>
    public string OutputColumnName { get; }

    /// <summary>Rows a cursor embeds together.</summary>
    public int RowsPerBlock { get; }

    /// <summary>Bytes of embeddings each view from <see cref="Transform"/> keeps for later passes (0: none); see
    /// <see cref="AgroNTOnnxFeaturizingOptions.EmbeddingCacheBytes"/>.</summary>
    public long EmbeddingCacheBytes { get; }

    /// <inheritdoc/>
    public bool IsRowToRowMapper => true;

    /// <summary>The output column's type: a vector of float, of the hidden size or of variable size.</summary>
    internal VectorDataViewType OutputType { get; }

    /// <inheritdoc/>
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        return new OnnxFeaturizingBindings(this, inputSchema).Schema.OutputSchema;
    }

    /// <inheritdoc/>
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        return new OnnxFeaturizingBindings(this, inputSchema).Featurizer.CreateMapper();
    }

    /// <inheritdoc/>
    public IDataView Transform(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return new OnnxFeaturizingBindings(this, input.Schema).Featurizer.Transform(input);
    }

    /// <summary>Releases the ONNX Runtime session when the transformer created it (from a model folder).</summary>
    public void Dispose()
    {
        if (_ownsEmbedder)
        {
            Embedder.Dispose();
        }
    }

    /// <summary>Not supported: ML.NET's model format only takes transformers it can load itself.</summary>
    /// <param name="ctx">Unused.</param>
    /// <exception cref="NotSupportedException">Always.</exception>
    void ICanSaveModel.Save(ModelSaveContext ctx) =>
        throw new NotSupportedException(
            "mlContext.Model.Save cannot store AgroNTOnnxFeaturizingTransformer (ML.NET's model format only loads its own transformers). "
            + "Save the fitted pipeline with mlContext.Model.SaveAgroNT(model, data.Schema, path) from AgroNT.MLNet, or recreate it with mlContext.Transforms.FeaturizeAgroNTOnnx and the same model folder and options.");

    /// <summary>Finds the input column and checks its type; the one schema check shared by estimator and transformer.</summary>
    internal static (DataViewSchema.Column Column, OnnxFeaturizingInput Kind) CheckInputColumn(DataViewSchema schema, string columnName)
    {
        DataViewSchema.Column? column = schema.GetColumnOrNull(columnName);
        if (column is null)
        {
            ThrowHelper.ThrowMissingColumn("input column", columnName, schema.Where(c => !c.IsHidden).Select(c => c.Name));
        }

        OnnxFeaturizingInput? kind = column.Value.Type switch
        {
            TextDataViewType => OnnxFeaturizingInput.Text,
            VectorDataViewType { ItemType: var item } when item == NumberDataViewType.Int32 => OnnxFeaturizingInput.Int32Ids,
            VectorDataViewType { ItemType: var item } when item == NumberDataViewType.Int64 => OnnxFeaturizingInput.Int64Ids,
            _ => null,
        };
        if (kind is null)
        {
            ThrowHelper.ThrowColumnType("input column", columnName, ExpectedInput, ThrowHelper.DescribeType(column.Value));
        }

        return (column.Value, kind.Value);
    }
}
