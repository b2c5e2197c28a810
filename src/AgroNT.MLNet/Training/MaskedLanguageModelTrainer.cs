using AgroNT.Transforms.ModelFolders;
using AgroNT.MLNet.Checkpoints;
using AgroNT.MLNet.Featurization;
using AgroNT.MLNet.Modeling;
using AgroNT.MLNet.Training.Data;
using AgroNT.Transforms;
using AgroNT.Transforms.Embeddings;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace AgroNT.MLNet.Training;

/// <summary>
/// ML.NET masked-language-model pretraining: <c>mlContext.AgroNT().Trainers.MaskedLanguageModel(...)</c> is an
/// <see cref="IEstimator{TTransformer}"/> whose <see cref="Fit(IDataView)"/> pretrains on a text column of DNA and
/// returns the trained encoder as a featurizer (<see cref="AgroNTFeaturizingTransformer"/>), so pretraining composes
/// with other estimators: <c>mlm.Append(mlContext.BinaryClassification.Trainers.LightGbm())</c>.
/// </summary>
/// <remarks>
/// <see cref="Train"/> is the plain C# face: it returns the trained <see cref="AgroNTModel"/> itself. Both write a
/// Hugging Face model folder to <see cref="PretrainingOptions.OutputFolder"/>; the featurizer loads its weights from
/// that folder and owns them (dispose the transformer, or the chain holding it).
/// </remarks>
public sealed class MaskedLanguageModelTrainer : IEstimator<AgroNTFeaturizingTransformer>
{
    /// <summary>Creates the trainer; the options are validated at once.</summary>
    /// <exception cref="ArgumentException">An option is out of range or inconsistent.</exception>
    public MaskedLanguageModelTrainer(MaskedLanguageModelTrainerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.SequenceColumnName, nameof(options));
        ArgumentException.ThrowIfNullOrWhiteSpace(options.FeatureColumnName, nameof(options));
        ArgumentNullException.ThrowIfNull(options.Embedding, nameof(options));
        options.Training.Validate();
        options.Windowing.Validate();
        if (options.Embedding.Layer is { } layer)
        {
            int layers = (options.Training.Config ?? EsmConfig.FromFile(HuggingFaceModelLocator.Resolve(options.Training.InitFrom!))).NumHiddenLayers;
            if (layer < 0 || layer > layers)
            {
                ThrowHelper.ThrowArgumentOutOfRange(nameof(options), layer,
                    $"Embedding.Layer must be between 0 (embedding output) and {layers} (the last layer of the model being trained).");
            }
        }
        Options = options;
    }

    /// <summary>The settings.</summary>
    public MaskedLanguageModelTrainerOptions Options { get; }

    /// <summary>
    /// Pretrains on <paramref name="input"/> (holding out <see cref="MaskedLanguageModelTrainerOptions.Split"/> for
    /// validation) and returns the trained encoder as a featurizer reading <see cref="MaskedLanguageModelTrainerOptions.SequenceColumnName"/>
    /// and writing <see cref="MaskedLanguageModelTrainerOptions.FeatureColumnName"/>.
    /// </summary>
    /// <param name="input">Rows with the sequence column (and the name column when set); read again on every pass, never materialised.</param>
    /// <returns>The featurizer over the trained model; it owns the weights.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing or not text; the message names the column, the expected and the actual type.</exception>
    /// <exception cref="OperationCanceledException">Not thrown here (no token); see <see cref="Fit(IDataView, IDataView?, CancellationToken)"/>.</exception>
    public AgroNTFeaturizingTransformer Fit(IDataView input) => Fit(input, null, CancellationToken.None);

    /// <summary>
    /// Pretrains with separate validation rows and a cancellation token, then returns the trained encoder as a featurizer
    /// (see <see cref="Fit(IDataView)"/>).
    /// </summary>
    /// <param name="trainingData">Rows with the sequence column (and the name column when set).</param>
    /// <param name="validationData">Held-out rows with the same columns; when null, <see cref="MaskedLanguageModelTrainerOptions.Split"/> applies to the training rows.</param>
    /// <param name="cancellationToken">Stops after writing a checkpoint, then throws <see cref="OperationCanceledException"/>.</param>
    /// <returns>The featurizer over the trained model; it owns the weights.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing or not text.</exception>
    /// <exception cref="OperationCanceledException">Training was cancelled (a checkpoint was written; resume with <see cref="PretrainingOptions.Resume"/>).</exception>
    public AgroNTFeaturizingTransformer Fit(IDataView trainingData, IDataView? validationData, CancellationToken cancellationToken = default)
    {
        string folder = TrainToFolder(trainingData, validationData, cancellationToken);
        return new AgroNTFeaturizingEstimator(new AgroNTFeaturizingOptions
        {
            ModelFolder = folder,
            InputColumnName = Options.SequenceColumnName,
            OutputColumnName = Options.FeatureColumnName,
            Embedding = Options.Embedding,
        }).Fit(trainingData);
    }

    /// <summary>
    /// The plain C# face: pretrains on the rows of <paramref name="trainingData"/> and returns the trained model, loaded
    /// from the folder written to <see cref="PretrainingOptions.OutputFolder"/>. The caller disposes it.
    /// </summary>
    /// <param name="trainingData">Rows with the sequence column (and the name column when set).</param>
    /// <param name="validationData">Held-out rows with the same columns; when null, <see cref="MaskedLanguageModelTrainerOptions.Split"/> applies to the training rows.</param>
    /// <param name="cancellationToken">Stops after writing a checkpoint, then throws <see cref="OperationCanceledException"/>.</param>
    /// <returns>The trained model.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing or not text; the message names the column, the expected and the actual type.</exception>
    /// <exception cref="OperationCanceledException">Training was cancelled (a checkpoint was written; resume with <see cref="PretrainingOptions.Resume"/>).</exception>
    public AgroNTModel Train(IDataView trainingData, IDataView? validationData = null, CancellationToken cancellationToken = default) =>
        AgroNTModel.Load(TrainToFolder(trainingData, validationData, cancellationToken));

    /// <inheritdoc/>
    /// <exception cref="ArgumentOutOfRangeException">The sequence column (or the name column when set) is missing or not scalar text.</exception>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        foreach (string? name in new[] { Options.SequenceColumnName, Options.NameColumnName })
        {
            if (name is null)
            {
                continue;
            }
            SchemaShape.Column? found = inputSchema.FirstOrDefault(c => c.Name == name);
            if (found is not { } column || column.Name is null)
            {
                ThrowHelper.ThrowMissingColumn("text column", name, inputSchema.Select(c => c.Name));
                return default;
            }
            if (column.Kind != SchemaShape.Column.VectorKind.Scalar || column.ItemType is not TextDataViewType)
            {
                ThrowHelper.ThrowColumnType("text column", name, "Text (string)", column.ItemType.ToString() ?? "unknown");
            }
        }
        SchemaShape.Column.VectorKind kind = Options.Embedding.Pooling is Pooling.Mean or Pooling.Cls
            ? SchemaShape.Column.VectorKind.Vector
            : SchemaShape.Column.VectorKind.VariableVector;
        var columns = inputSchema.Where(c => c.Name != Options.FeatureColumnName).ToList();
        columns.Add(SchemaShapeColumns.Create(Options.FeatureColumnName, kind, NumberDataViewType.Single));
        return new SchemaShape(columns);
    }

    private string TrainToFolder(IDataView trainingData, IDataView? validationData, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(trainingData);
        CheckSchema(trainingData.Schema, "training data");
        if (validationData is not null)
        {
            CheckSchema(validationData.Schema, "validation data");
        }
        var corpus = PretrainingCorpus.FromSequences(
            "IDataView",
            () => Rows(trainingData),
            validationData is null ? Options.Split : ValidationSplit.None.WithRegionLength(Options.Split.RegionLength),
            validationData is null ? null : () => Rows(validationData),
            Options.Windowing);
        var result = new AgroNTPretrainer(Options.Training).Train(corpus, Options.Progress, cancellationToken);
        if (result.Status == PretrainingStatus.Cancelled)
        {
            throw new OperationCanceledException(
                $"Pretraining was cancelled at update {result.Steps}; checkpoint {result.LastCheckpoint}. Fit again with Resume = true to continue.", cancellationToken);
        }
        return result.OutputFolder;
    }

    private void CheckSchema(DataViewSchema schema, string what)
    {
        foreach (string? name in new[] { Options.SequenceColumnName, Options.NameColumnName })
        {
            if (name is null)
            {
                continue;
            }
            var column = schema.GetColumnOrNull(name) ?? throw new ArgumentOutOfRangeException(nameof(schema),
                $"The {what} has no column '{name}' (expected type Text); its columns are {string.Join(", ", schema.Select(c => $"'{c.Name}'"))}.");
            if (column.Type is not TextDataViewType)
            {
                throw new ArgumentOutOfRangeException(nameof(schema), $"Column '{name}' of the {what} must be of type Text (string), but it is {column.Type}.");
            }
        }
    }

    private IEnumerable<(string Name, string Sequence)> Rows(IDataView data)
    {
        var sequenceColumn = data.Schema[Options.SequenceColumnName];
        var nameColumn = Options.NameColumnName is null ? (DataViewSchema.Column?)null : data.Schema[Options.NameColumnName];
        var columns = nameColumn is { } n ? new[] { sequenceColumn, n } : [sequenceColumn];
        using var cursor = data.GetRowCursor(columns);
        var getSequence = cursor.GetGetter<ReadOnlyMemory<char>>(sequenceColumn);
        var getName = nameColumn is { } c ? cursor.GetGetter<ReadOnlyMemory<char>>(c) : null;
        ReadOnlyMemory<char> sequence = default, name = default;
        long row = 0;
        while (cursor.MoveNext())
        {
            getSequence(ref sequence);
            getName?.Invoke(ref name);
            yield return (getName is null ? $"row {row}" : name.ToString(), sequence.ToString());
            row++;
        }
    }
}
