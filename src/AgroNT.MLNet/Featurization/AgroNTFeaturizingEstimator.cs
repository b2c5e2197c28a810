using AgroNT.Transforms.ModelFolders;
using AgroNT.MLNet.Checkpoints;
using AgroNT.MLNet.Modeling;
using AgroNT.MLNet.Training.FineTuning;
using AgroNT.Transforms;
using AgroNT.Transforms.Embeddings;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace AgroNT.MLNet.Featurization;

/// <summary>
/// Estimator for <see cref="AgroNTFeaturizingTransformer"/>: embeds a column of DNA (text, or token ids) with an AgroNT
/// model. Nothing is learned; <see cref="Fit(IDataView)"/> checks the schema and, for a <see cref="AgroNTFeaturizingOptions.ModelFolder"/>,
/// loads the weights. Create it with <c>mlContext.Transforms.FeaturizeAgroNT(...)</c> (<see cref="AgroNTCatalog"/>).
/// </summary>
public sealed class AgroNTFeaturizingEstimator : IEstimator<AgroNTFeaturizingTransformer>
{
    private readonly string? _folder;

    /// <summary>
    /// Creates the estimator. A model folder (or cached Hub id) is resolved and its config.json read here, so a bad
    /// folder or a layer the model does not have fails at once; the weights are loaded by <see cref="Fit(IDataView)"/>.
    /// </summary>
    /// <param name="options">The settings.</param>
    /// <exception cref="ArgumentException">Both or neither of a model folder and a model, model options beside a ready
    /// model, a blank column name, or <see cref="Pooling.Cls"/> with a tokenizer that adds no <c>&lt;cls&gt;</c>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A layer the model does not have, a batch size or read-ahead that is not positive, or a negative cache budget.</exception>
    /// <exception cref="DirectoryNotFoundException">The model folder does not exist and is no cached Hub id.</exception>
    public AgroNTFeaturizingEstimator(AgroNTFeaturizingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.InputColumnName, nameof(options));
        ArgumentException.ThrowIfNullOrWhiteSpace(options.OutputColumnName, nameof(options));
        if (options.Embedding is null)
        {
            ThrowHelper.ThrowArgument(nameof(options), "AgroNTFeaturizingOptions.Embedding must not be null.");
        }

        if (options.Embedding.BatchSize <= 0 || options.Embedding.MaxBatchTokens is <= 0)
        {
            ThrowHelper.ThrowArgumentOutOfRange(nameof(options), options.Embedding.BatchSize, "Embedding.BatchSize and Embedding.MaxBatchTokens must be positive.");
        }

        if (options.ReadAheadRows is <= 0)
        {
            ThrowHelper.ThrowArgumentOutOfRange(nameof(options), options.ReadAheadRows, "ReadAheadRows must be positive (or null for the default).");
        }

        if (options.EmbeddingCacheBytes < 0)
        {
            ThrowHelper.ThrowArgumentOutOfRange(nameof(options), options.EmbeddingCacheBytes, "EmbeddingCacheBytes must not be negative (0 turns the cache off).");
        }

        bool addsCls;
        switch (options.ModelFolder, options.Model)
        {
            case ({ } folder, null):
                _folder = HuggingFaceModelLocator.Resolve(folder);
                EsmConfig config = EsmConfig.FromFile(_folder);
                if (options.Embedding.Layer is { } layer && (layer < 0 || layer > config.NumHiddenLayers))
                {
                    ThrowHelper.ThrowArgumentOutOfRange(nameof(options), layer,
                        $"Embedding.Layer must be between 0 (embedding output) and {config.NumHiddenLayers} (the last layer); the model in {_folder} has {config.NumHiddenLayers} layers.");
                }

                addsCls = (options.ModelOptions ?? new AgroNTModelOptions()).Tokenizer.AddClsToken;
                break;
            case (null, { } model) when options.ModelOptions is null:
                _ = new AgroNTEmbedder(model, options.Embedding); // validates the layer against this model
                addsCls = model.Tokenizer.Options.AddClsToken;
                break;
            case (null, not null):
                throw new ArgumentException("ModelOptions apply to a ModelFolder; a ready Model keeps the device, precision and tokenizer it was loaded with.", nameof(options));
            default:
                throw new ArgumentException("Give exactly one of AgroNTFeaturizingOptions.ModelFolder and AgroNTFeaturizingOptions.Model.", nameof(options));
        }

        if (options.Embedding.Pooling == Pooling.Cls && !addsCls)
        {
            ThrowHelper.ThrowArgument(nameof(options), "Pooling.Cls reads the <cls> position, but the tokenizer is configured without <cls> (AddClsToken = false).");
        }

        Options = options;
    }

    /// <summary>The settings the estimator was created with.</summary>
    public AgroNTFeaturizingOptions Options { get; }

    /// <summary>
    /// Checks the input schema and returns a transformer. With <see cref="AgroNTFeaturizingOptions.ModelFolder"/>, each
    /// call loads the weights into a new transformer that owns them (dispose it, or the <c>TransformerChain</c> holding
    /// it); with a ready <see cref="AgroNTFeaturizingOptions.Model"/>, transformers share that model.
    /// </summary>
    /// <param name="input">Data with the input column.</param>
    /// <returns>The transformer.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The input column is missing, or neither text nor a vector of Int32/Int64 token ids.</exception>
    public AgroNTFeaturizingTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        AgroNTFeaturizingTransformer.CheckInputColumn(input.Schema, Options.InputColumnName);
        return Create();
    }

    /// <inheritdoc/>
    /// <exception cref="ArgumentOutOfRangeException">The input column is missing, or neither a scalar Text column nor a
    /// vector of Int32/Int64 token ids.</exception>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        SchemaShape.Column? input = inputSchema.FirstOrDefault(c => c.Name == Options.InputColumnName);
        if (input is not { } column || column.Name is null)
        {
            ThrowHelper.ThrowMissingColumn("input column", Options.InputColumnName, inputSchema.Select(c => c.Name));
            return default;
        }

        bool text = column.Kind == SchemaShape.Column.VectorKind.Scalar && column.ItemType is TextDataViewType;
        bool ids = column.Kind != SchemaShape.Column.VectorKind.Scalar && AgroNTFeaturizingTransformer.IsTokenIdType(column.ItemType);
        if (!text && !ids)
        {
            ThrowHelper.ThrowColumnType("input column", Options.InputColumnName, AgroNTFeaturizingTransformer.ExpectedInput, Describe(column));
        }

        SchemaShape.Column.VectorKind kind = Options.Embedding.Pooling is Pooling.Mean or Pooling.Cls
            ? SchemaShape.Column.VectorKind.Vector
            : SchemaShape.Column.VectorKind.VariableVector;
        var columns = inputSchema.Where(c => c.Name != Options.OutputColumnName).ToList();
        columns.Add(SchemaShapeColumns.Create(Options.OutputColumnName, kind, NumberDataViewType.Single));
        return new SchemaShape(columns);
    }

    private AgroNTFeaturizingTransformer Create()
    {
        int readAhead = Options.ReadAheadRows ?? AgroNTFeaturizingDefaults.ReadAheadBatches * Options.Embedding.BatchSize;
        if (Options.Model is { } ready)
        {
            return new AgroNTFeaturizingTransformer(ready, ownsModel: false, ready.Folder, AgroNTFeaturizingTransformer.DescribeOptions(ready),
                Options.InputColumnName, Options.OutputColumnName, Options.Embedding, readAhead, Options.EmbeddingCacheBytes);
        }

        AgroNTModelOptions modelOptions = Options.ModelOptions ?? new AgroNTModelOptions();
        // A fine-tuned folder featurizes with its adapters folded in.
        AgroNTModel model = AgroNTModel.Load(_folder!, modelOptions);
        try
        {
            return new AgroNTFeaturizingTransformer(model, ownsModel: true, _folder, modelOptions,
                Options.InputColumnName, Options.OutputColumnName, Options.Embedding, readAhead, Options.EmbeddingCacheBytes);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    private static string Describe(SchemaShape.Column column) => column.Kind switch
    {
        SchemaShape.Column.VectorKind.Scalar => column.ItemType.ToString() ?? "?",
        SchemaShape.Column.VectorKind.Vector => $"Vector<{column.ItemType}>",
        _ => $"VarVector<{column.ItemType}>",
    };
}
