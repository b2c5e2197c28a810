using AgroNT.Transforms;
using AgroNT.Transforms.Embeddings;
using Microsoft.ML;
using Microsoft.ML.Data;
using TorchSharp;

namespace AgroNT.MLNet.Featurization;

/// <summary>
/// Embeds a column of DNA with an AgroNT model: a text column (tokenized inside with the model's tokenizer and length
/// policy) or a vector of token ids (such as <c>TokenizeDna</c> writes; trailing <c>&lt;pad&gt;</c> ids are removed). The
/// output is a vector of <see cref="float"/>: the hidden size for <see cref="Pooling.Mean"/> and <see cref="Pooling.Cls"/>,
/// variable-size for <see cref="Pooling.Tokens"/> and <see cref="Pooling.PerNucleotide"/>. Made by
/// <see cref="AgroNTFeaturizingEstimator"/> (<c>mlContext.Transforms.FeaturizeAgroNT(...)</c>). Immutable and thread-safe.
/// </summary>
/// <remarks>
/// <para><b>Batched, lazy.</b> <see cref="Transform(IDataView)"/> computes nothing by itself. A cursor that asks for the
/// output reads ahead a block of <see cref="ReadAheadRows"/> rows of the input column through a second cursor over the
/// same source, embeds the whole block in one <see cref="AgroNTEmbedder"/> call (which sorts it by length into batches),
/// and serves the vectors while its own cursor passes the other columns through. Both cursors must see the same rows
/// in the same order: ML.NET data views do when no random source is given, so this view reports
/// <see cref="IDataView.CanShuffle"/> <see langword="false"/>, ignores <c>rand</c>, returns one cursor from
/// <see cref="IDataView.GetRowCursorSet"/>, and checks the row ids of the two cursors as it goes (a source that differs
/// between passes fails with an error suggesting <c>mlContext.Data.Cache</c>). An error in any row of a block (bad DNA,
/// an over-long token row) surfaces when the block is read, naming that row. A cursor that does not ask for the output
/// column runs no model at all. The row-to-row mapper (<see cref="GetRowToRowMapper"/>, used by prediction engines)
/// embeds one row at a time.</para>
/// <para><b>Saving.</b> ML.NET cannot save transformers from outside its own assemblies (<c>mlContext.Model.Save</c>
/// throws for this one). Save a whole fitted pipeline with <c>mlContext.Model.SaveAgroNT(model, schema, path)</c>
/// (<see cref="Microsoft.ML.AgroNTCatalog.SaveAgroNT(Microsoft.ML.ModelOperationsCatalog, Microsoft.ML.ITransformer, Microsoft.ML.DataViewSchema, string)"/>: one file, the model referred to by relative path or Hub id, or embedded, and
/// checked by SHA-256 on load). This transformer alone saves with <see cref="Save(string)"/> and loads with
/// <see cref="Load(string)"/>: that file holds settings only, the weights <b>by reference</b>, as the model folder's
/// absolute path (see <see cref="Save(string)"/>).</para>
/// <para><b>Repeated passes.</b> Each view from <see cref="Transform(IDataView)"/> keeps the vectors it computed, up to
/// <see cref="EmbeddingCacheBytes"/>, so a learner reading it several times embeds each row once.</para>
/// <para><b>Ownership.</b> A transformer fitted from a model folder, or loaded from a file, owns its model and disposes it
/// in <see cref="Dispose"/>; one made over a ready <see cref="AgroNTModel"/> leaves it to the caller.</para>
/// </remarks>
public sealed class AgroNTFeaturizingTransformer : ITransformer, IDisposable
{
    /// <summary>What the input column may hold, as error messages say it.</summary>
    internal const string ExpectedInput = "Text (one DNA sequence per row) or a vector of Int32/Int64 token ids (as TokenizeDna writes)";

    private readonly bool _ownsModel;
    private bool _disposed;

    internal AgroNTFeaturizingTransformer(
        AgroNTModel model,
        bool ownsModel,
        string? modelFolder,
        AgroNTModelOptions modelOptions,
        string inputColumnName,
        string outputColumnName,
        AgroNTEmbeddingOptions embedding,
        int readAheadRows,
        long embeddingCacheBytes)
    {
        Model = model;
        _ownsModel = ownsModel;
        ModelFolder = modelFolder is null ? null : Path.GetFullPath(modelFolder);
        ModelOptions = modelOptions;
        InputColumnName = inputColumnName;
        OutputColumnName = outputColumnName;
        Embedder = new AgroNTEmbedder(model, embedding);
        ReadAheadRows = readAheadRows;
        EmbeddingCacheBytes = embeddingCacheBytes;
        OutputType = embedding.Pooling is Pooling.Mean or Pooling.Cls
            ? new VectorDataViewType(NumberDataViewType.Single, model.Config.HiddenSize)
            : new VectorDataViewType(NumberDataViewType.Single);
    }

    /// <summary>The column read: DNA text or token ids.</summary>
    public string InputColumnName { get; }

    /// <summary>The vector column written.</summary>
    public string OutputColumnName { get; }

    /// <summary>The model.</summary>
    public AgroNTModel Model { get; }

    /// <summary>The absolute path of the model's folder (a Hub id resolved to its cache snapshot), or <see langword="null"/>
    /// for a model created in memory, which cannot be saved by reference.</summary>
    public string? ModelFolder { get; }

    /// <summary>The settings the model was loaded with (for a ready model: its device, precision and tokenizer options).</summary>
    public AgroNTModelOptions ModelOptions { get; }

    /// <summary>What is computed (layer, pooling, batching, window aggregation).</summary>
    public AgroNTEmbeddingOptions EmbeddingOptions => Embedder.Options;

    /// <summary>The embedder doing the work; its <see cref="AgroNTEmbedder.RealTokens"/> and
    /// <see cref="AgroNTEmbedder.ComputedTokens"/> counters report the tokens embedded and the padding computed.</summary>
    public AgroNTEmbedder Embedder { get; }

    /// <summary>How many rows a cursor reads ahead and embeds at once.</summary>
    public int ReadAheadRows { get; }

    /// <summary>Bytes of embeddings each view from <see cref="Transform"/> keeps for later passes (0: none); see
    /// <see cref="AgroNTFeaturizingOptions.EmbeddingCacheBytes"/>.</summary>
    public long EmbeddingCacheBytes { get; }

    /// <inheritdoc/>
    public bool IsRowToRowMapper => true;

    /// <summary>The output column's type: <c>Vector&lt;Single, hidden size&gt;</c>, or a variable-size vector for per-position poolings.</summary>
    internal VectorDataViewType OutputType { get; }

    /// <summary>Reads a transformer written by <see cref="Save(string)"/>, loading the model from the folder the file names.</summary>
    /// <param name="path">The file.</param>
    /// <returns>The transformer (it owns the model it loaded), producing output identical to the saved one's.</returns>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    /// <exception cref="DirectoryNotFoundException">The model folder the file refers to does not exist (any more).</exception>
    /// <exception cref="InvalidDataException">Not a saved featurizer, written by a newer format version, or the folder now
    /// holds a model of another shape.</exception>
    public static AgroNTFeaturizingTransformer Load(string path) => AgroNTFeaturizingTransformerFormat.Load(path, modelFolder: null);

    /// <summary>As <see cref="Load(string)"/>, with the model in <paramref name="modelFolder"/> instead of the folder the
    /// file names (the model was moved, or the file came from another machine).</summary>
    /// <param name="path">The file.</param>
    /// <param name="modelFolder">The model folder (or cached Hub id) to use.</param>
    /// <returns>The transformer.</returns>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    /// <exception cref="DirectoryNotFoundException">No such model folder.</exception>
    /// <exception cref="InvalidDataException">Not a saved featurizer, written by a newer format version, or the folder holds
    /// a model of another shape than the one saved.</exception>
    public static AgroNTFeaturizingTransformer Load(string path, string modelFolder)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(modelFolder);
        return AgroNTFeaturizingTransformerFormat.Load(path, modelFolder);
    }

    /// <summary>Reads a transformer written by <see cref="Save(Stream)"/>.</summary>
    /// <param name="stream">A readable, seekable stream.</param>
    /// <param name="modelFolder">The model folder to use instead of the one the stream names, or <see langword="null"/>.</param>
    /// <returns>The transformer.</returns>
    /// <exception cref="DirectoryNotFoundException">The model folder does not exist.</exception>
    /// <exception cref="InvalidDataException">Not a saved featurizer, or written by a newer format version.</exception>
    public static AgroNTFeaturizingTransformer Load(Stream stream, string? modelFolder = null) =>
        AgroNTFeaturizingTransformerFormat.Load(stream, "the stream", modelFolder);

    /// <summary>
    /// Writes the featurizer to a file, replacing it atomically: the data goes to a temporary file in the same folder,
    /// which is then renamed over <paramref name="path"/> (a failed save leaves no file behind and the old one intact).
    /// </summary>
    /// <remarks>
    /// The file is a zip archive holding <c>manifest.json</c>: <c>format</c> (<c>AgroNT.AgroNTFeaturizingTransformer</c>),
    /// <c>formatVersion</c>, the columns, the embedding options, the read-ahead, the model options (device, precision,
    /// checkpoint format, tokenizer settings), the model's shape (hidden size, layers, vocabulary size; checked on load),
    /// and the model folder as an <b>absolute path</b>. The weights are saved <b>by reference</b>: the file is a few
    /// hundred bytes however large the model, and <see cref="Load(string)"/> needs that folder, unchanged, at the same place
    /// (or pass its new place to <see cref="Load(string, string)"/>). A model created in memory has no folder: save it with
    /// <see cref="AgroNTModel.Save(string)"/> and featurize from that folder.
    /// </remarks>
    /// <param name="path">The file; its folder must exist.</param>
    /// <exception cref="InvalidOperationException">The model has no folder (it was created in memory).</exception>
    public void Save(string path) => AgroNTFeaturizingTransformerFormat.Save(this, path);

    /// <summary>Writes the featurizer to a stream (a zip archive; see <see cref="Save(string)"/> for its content).</summary>
    /// <param name="stream">A writable stream.</param>
    /// <exception cref="InvalidOperationException">The model has no folder (it was created in memory).</exception>
    public void Save(Stream stream) => AgroNTFeaturizingTransformerFormat.Save(this, stream);

    /// <inheritdoc/>
    /// <exception cref="ArgumentOutOfRangeException">The input column is missing, or neither text nor a vector of Int32/Int64.</exception>
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        return new AgroNTFeaturizingBindings(this, inputSchema).Schema.OutputSchema;
    }

    /// <inheritdoc/>
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        ObjectDisposedException.ThrowIf(_disposed, this);
        return new AgroNTFeaturizingBindings(this, inputSchema).Featurizer.CreateMapper();
    }

    /// <inheritdoc/>
    public IDataView Transform(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        ObjectDisposedException.ThrowIf(_disposed, this);
        return new AgroNTFeaturizingBindings(this, input.Schema).Featurizer.Transform(input);
    }

    /// <summary>Disposes the model if this transformer owns it (fitted from a folder, or loaded from a file).</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (_ownsModel)
        {
            Model.Dispose();
        }
    }

    /// <summary>Not supported: ML.NET's model format only takes transformers it can load itself.</summary>
    /// <param name="ctx">Unused.</param>
    /// <exception cref="NotSupportedException">Always.</exception>
    void ICanSaveModel.Save(ModelSaveContext ctx) =>
        throw new NotSupportedException(
            "mlContext.Model.Save cannot store AgroNTFeaturizingTransformer (ML.NET's model format only loads its own transformers). "
            + "Save the fitted pipeline with mlContext.Model.SaveAgroNT(model, data.Schema, path) and load it with mlContext.Model.LoadAgroNT(path, out schema).");

    /// <summary>Finds the input column and checks its type; the one schema check shared by estimator and transformer.</summary>
    internal static DataViewSchema.Column CheckInputColumn(DataViewSchema schema, string columnName)
    {
        DataViewSchema.Column? column = schema.GetColumnOrNull(columnName);
        if (column is null)
        {
            ThrowHelper.ThrowMissingColumn("input column", columnName, schema.Where(c => !c.IsHidden).Select(c => c.Name));
        }

        DataViewType type = column.Value.Type;
        if (type is not TextDataViewType && !(type is VectorDataViewType vector && IsTokenIdType(vector.ItemType)))
        {
            ThrowHelper.ThrowColumnType("input column", columnName, ExpectedInput, ThrowHelper.DescribeType(column.Value));
        }

        return column.Value;
    }

    /// <summary>Whether a vector of this item type can hold token ids (plain Int32 or Int64, not key types).</summary>
    internal static bool IsTokenIdType(DataViewType itemType) =>
        itemType is NumberDataViewType && (itemType.RawType == typeof(int) || itemType.RawType == typeof(long));

    /// <summary>The options a ready model was loaded with, as far as the model tells.</summary>
    internal static AgroNTModelOptions DescribeOptions(AgroNTModel model) => new()
    {
        Device = model.Device.type == DeviceType.CPU ? "cpu"
            : model.Device.index < 0 ? model.Device.type.ToString().ToLowerInvariant()
            : $"{model.Device.type.ToString().ToLowerInvariant()}:{model.Device.index}",
        Precision = model.Precision,
        Tokenizer = model.Tokenizer.Options,
    };
}
