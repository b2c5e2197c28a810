using AgroNT.MLNet.Training.Data;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace AgroNT.MLNet.Training;

/// <summary>
/// ML.NET-shaped masked-language-model pretraining: <c>mlContext.AgroNT().Trainers.MaskedLanguageModel(...)</c>, then
/// <see cref="Fit(IDataView, IDataView?, CancellationToken)"/> on an <see cref="IDataView"/> with a text column of DNA.
/// </summary>
/// <remarks>
/// It follows ML.NET's trainer pattern (catalog method pair, options record, schema checked with errors naming the
/// column and its type, <c>Fit</c>) but is not an <see cref="IEstimator{TTransformer}"/>: what pretraining produces is a
/// model, not a row transformation. <c>Fit</c> writes a Hugging Face model folder and returns it loaded as an
/// <see cref="AgroNTModel"/>, ready for <see cref="Featurization.AgroNTEmbedder"/>; any AgroNT featurizing estimator
/// that takes a model folder takes <see cref="AgroNTModel.Folder"/>.
/// </remarks>
public sealed class MaskedLanguageModelTrainer
{
    /// <summary>Creates the trainer; the options are validated at once.</summary>
    /// <exception cref="ArgumentException">An option is out of range or inconsistent.</exception>
    public MaskedLanguageModelTrainer(MaskedLanguageModelTrainerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.SequenceColumnName, nameof(options));
        options.Training.Validate();
        options.Windowing.Validate();
        Options = options;
    }

    /// <summary>The settings.</summary>
    public MaskedLanguageModelTrainerOptions Options { get; }

    /// <summary>
    /// Pretrains on the rows of <paramref name="trainingData"/> (read again on every pass; never materialised) and
    /// returns the trained model, loaded from the folder written to <see cref="PretrainingOptions.OutputFolder"/>. The
    /// caller disposes it.
    /// </summary>
    /// <param name="trainingData">Rows with the sequence column (and the name column when set).</param>
    /// <param name="validationData">Held-out rows with the same columns; when null, <see cref="MaskedLanguageModelTrainerOptions.Split"/> applies to the training rows.</param>
    /// <param name="cancellationToken">Stops after writing a checkpoint, then throws <see cref="OperationCanceledException"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing or not text; the message names the column, the expected and the actual type.</exception>
    /// <exception cref="OperationCanceledException">Training was cancelled (a checkpoint was written; resume with <see cref="PretrainingOptions.Resume"/>).</exception>
    public AgroNTModel Fit(IDataView trainingData, IDataView? validationData = null, CancellationToken cancellationToken = default)
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
        return AgroNTModel.Load(result.OutputFolder);
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
