using AgroNT.MLNet;
using AgroNT.MLNet.Featurization;
using AgroNT.MLNet.ModelSelection;
using AgroNT.Transforms.Benchmarks;
using AgroNT.Transforms.Embeddings;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers.LightGbm;

namespace AgroNT.MLNet.Evaluation;

/// <summary>Turns labelled examples into fixed-length feature vectors for a <see cref="FrozenEncoderLearner"/>.</summary>
/// <param name="Length">The vector length.</param>
/// <param name="Compute">Computes one vector per example, in order.</param>
public sealed record SequenceFeaturizer(int Length, Func<IReadOnlyList<TaskExample>, CancellationToken, IReadOnlyList<float[]>> Compute)
{
    /// <summary>Pooled embeddings of a frozen encoder (TorchSharp or ONNX Runtime, any folder <see cref="DnaEmbedders.Open"/> takes).</summary>
    /// <param name="embedder">The embedder; it must pool to one vector per sequence (mean or cls).</param>
    /// <returns>The featurizer.</returns>
    public static SequenceFeaturizer Embeddings(IDnaEmbedder embedder)
    {
        ArgumentNullException.ThrowIfNull(embedder);
        return new(embedder.HiddenSize,
            (examples, cancellationToken) => embedder.Embed([.. examples.Select(e => e.Sequence)], [.. examples.Select(e => e.Name)], cancellationToken));
    }

    /// <summary>Overlapping 6-mer frequencies (4096 features), the alignment-free baseline.</summary>
    public static SequenceFeaturizer SixMerFrequencies { get; } = new(KmerCounts.FeatureCount(6),
        (examples, _) => [.. examples.Select(e => KmerCounts.Frequencies(e.Sequence))]);
}

/// <summary>
/// A frozen encoder plus one ML.NET model per output, the library's first use case: features from a
/// <see cref="SequenceFeaturizer"/> (pooled AgroNT embeddings, or 6-mer frequencies as the baseline), then per output a
/// binary classifier or regressor: LightGBM with fixed settings (<see cref="Fit"/>; <c>agront finetune --method
/// frozen-lightgbm</c>), or the best candidate of an automatic model search (<see cref="FitSearch"/>; <c>--method auto</c>).
/// A classification output with one class in the training data predicts that class as a constant (see <see cref="Notes"/>).
/// </summary>
public sealed class FrozenEncoderLearner
{
    private readonly MLContext _ml;
    private readonly ProblemType _problemType;
    private readonly List<(ITransformer? Model, float Constant)> _models = [];
    private readonly int _hiddenSize;

    private FrozenEncoderLearner(MLContext ml, ProblemType problemType, int hiddenSize)
    {
        _ml = ml;
        _problemType = problemType;
        _hiddenSize = hiddenSize;
    }

    /// <summary>What happened per output that a reader should know (constant outputs, each search's winner).</summary>
    public IReadOnlyList<string> Notes { get; private set; } = [];

    /// <summary>The model searches, one per output, after <see cref="FitSearch"/>; empty after <see cref="Fit"/>.</summary>
    public IReadOnlyList<ModelSearchResult> Searches { get; private set; } = [];

    /// <summary>Fits one automatic model search per output, sharing <paramref name="budget"/> equally.</summary>
    /// <param name="featurizer">Features of each example.</param>
    /// <param name="problemType">Classification (one probability per output) or regression.</param>
    /// <param name="outputs">Outputs per example (labels per record).</param>
    /// <param name="train">Training examples.</param>
    /// <param name="seed">Seed of the search and the learners.</param>
    /// <param name="budget">Total search time, shared equally by the outputs.</param>
    /// <param name="progress">Receives each finished trial with its output number (1-based); null for none.</param>
    /// <param name="cancellationToken">Stops the search.</param>
    /// <returns>The fitted learner.</returns>
    public static FrozenEncoderLearner FitSearch(SequenceFeaturizer featurizer, ProblemType problemType, int outputs, IReadOnlyList<TaskExample> train,
        int seed, TimeSpan budget, IProgress<(int Output, ModelSearchTrial Trial)>? progress, CancellationToken cancellationToken)
    {
        var features = featurizer.Compute(train, cancellationToken);
        var result = new FrozenEncoderLearner(new MLContext(seed), problemType, featurizer.Length);
        var notes = new List<string>();
        var searches = new List<ModelSearchResult>();
        var options = new ModelSearchOptions { MaxTime = budget / outputs, Seed = seed, Folds = Math.Clamp(train.Count / 20, 2, 5) };
        for (int j = 0; j < outputs; j++)
        {
            float[] labels = [.. train.Select(e => e.Labels[j])];
            if (problemType.IsClassification() && labels.Distinct().Count() < 2)
            {
                result._models.Add((null, labels[0]));
                notes.Add($"output {j + 1} has one class in the training data; it predicts the constant {labels[0]}");
                continue;
            }
            var factory = result._ml.ModelSearch();
            var experiment = problemType.IsClassification() ? factory.CreateBinaryClassificationSearch(options) : factory.CreateRegressionSearch(options);
            var search = experiment.Execute(result.ToDataView(features, labels), progress: progress is null ? null : new TrialProgress(progress, j + 1), cancellationToken: cancellationToken);
            searches.Add(search);
            result._models.Add((search.Model, 0));
            notes.Add($"output {j + 1}: best of {search.Leaderboard.Count} candidates is {search.BestRun.Description}, cross-validated {search.MetricName} {search.BestRun.Metric:0.####}");
        }
        result.Notes = notes;
        result.Searches = searches;
        return result;
    }

    /// <summary>Fits LightGBM (31 leaves, 200 iterations, learning rate 0.05) per output.</summary>
    /// <param name="featurizer">Features of each example.</param>
    /// <param name="problemType">Classification (one probability per output) or regression.</param>
    /// <param name="outputs">Outputs per example (labels per record).</param>
    /// <param name="train">Training examples.</param>
    /// <param name="seed">Seed of the learners.</param>
    /// <param name="cancellationToken">Checked between outputs.</param>
    /// <returns>The fitted learner.</returns>
    public static FrozenEncoderLearner Fit(SequenceFeaturizer featurizer, ProblemType problemType, int outputs, IReadOnlyList<TaskExample> train, int seed, CancellationToken cancellationToken)
    {
        var features = featurizer.Compute(train, cancellationToken);
        var result = new FrozenEncoderLearner(new MLContext(seed), problemType, featurizer.Length);
        var notes = new List<string>();
        for (int j = 0; j < outputs; j++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            float[] labels = [.. train.Select(e => e.Labels[j])];
            if (problemType.IsClassification() && labels.Distinct().Count() < 2)
            {
                // LightGBM cannot fit one class: predict the training prevalence.
                result._models.Add((null, labels[0]));
                notes.Add($"output {j + 1} has one class in the training data; it predicts the constant {labels[0]}");
                continue;
            }
            var data = result.ToDataView(features, labels);
            var options = new LightGbmBinaryTrainer.Options
            {
                NumberOfLeaves = 31,
                MinimumExampleCountPerLeaf = Math.Clamp(train.Count / 50, 1, 20),
                NumberOfIterations = 200,
                LearningRate = 0.05,
                Seed = seed,
                Silent = true,
            };
            IEstimator<ITransformer> trainer = problemType.IsClassification()
                ? result._ml.BinaryClassification.Trainers.LightGbm(options)
                : result._ml.Regression.Trainers.LightGbm(new LightGbmRegressionTrainer.Options
                {
                    NumberOfLeaves = options.NumberOfLeaves,
                    MinimumExampleCountPerLeaf = options.MinimumExampleCountPerLeaf,
                    NumberOfIterations = options.NumberOfIterations,
                    LearningRate = options.LearningRate,
                    Seed = seed,
                    Silent = true,
                });
            result._models.Add((trainer.Fit(data), 0));
        }
        result.Notes = notes;
        return result;
    }

    /// <summary>Probabilities (classification) or values (regression), one array of outputs per sequence.</summary>
    /// <param name="featurizer">The featurizer the learner was fitted with.</param>
    /// <param name="examples">Examples to predict (their labels are not read).</param>
    /// <param name="cancellationToken">Stops featurizing.</param>
    /// <returns>One array of outputs per example, in order.</returns>
    public float[][] Predict(SequenceFeaturizer featurizer, IReadOnlyList<TaskExample> examples, CancellationToken cancellationToken)
    {
        var features = featurizer.Compute(examples, cancellationToken);
        var result = examples.Select(_ => new float[_models.Count]).ToArray();
        var data = ToDataView(features, new float[examples.Count]);
        for (int j = 0; j < _models.Count; j++)
        {
            var (model, constant) = _models[j];
            if (model is null)
            {
                for (int i = 0; i < result.Length; i++)
                {
                    result[i][j] = constant;
                }
                continue;
            }
            var scored = model.Transform(data);
            string column = _problemType.IsClassification() ? "Probability" : "Score";
            int row = 0;
            foreach (float value in scored.GetColumn<float>(column))
            {
                result[row++][j] = value;
            }
        }
        return result;
    }

    private string FilePrefix => Searches.Count > 0 ? "search" : "lightgbm";

    /// <summary>Saves each output's model as an ML.NET zip (<c>lightgbm_o1.zip</c>, or <c>search_o1.zip</c> after a search), and a search's leaderboards.</summary>
    /// <param name="folder">The folder, created if needed.</param>
    public void Save(string folder)
    {
        Directory.CreateDirectory(folder);
        var schema = ToDataView([new float[_hiddenSize]], [0f]).Schema;
        for (int j = 0; j < _models.Count; j++)
        {
            if (_models[j].Model is { } model)
            {
                _ml.Model.Save(model, schema, Path.Combine(folder, $"{FilePrefix}_o{j + 1}.zip"));
            }
        }
        if (Searches.Count > 0)
        {
            var lines = new List<string> { "output,rank,trainer,hyperparameters,metric,cv_mean,cv_std,seconds,error" };
            for (int j = 0; j < Searches.Count; j++)
            {
                lines.AddRange(Searches[j].Leaderboard.Select((t, rank) => string.Join(",",
                    (j + 1).ToString(System.Globalization.CultureInfo.InvariantCulture), (rank + 1).ToString(System.Globalization.CultureInfo.InvariantCulture), t.TrainerName,
                    "\"" + string.Join(" ", t.Hyperparameters.Select(h => $"{h.Key}={h.Value}")) + "\"", Searches[j].MetricName,
                    t.Metric.ToString("R", System.Globalization.CultureInfo.InvariantCulture), t.MetricStdDev.ToString("R", System.Globalization.CultureInfo.InvariantCulture),
                    t.Duration.TotalSeconds.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture), "\"" + (t.Error ?? "").Replace("\"", "'", StringComparison.Ordinal) + "\"")));
            }
            File.WriteAllLines(Path.Combine(folder, "leaderboard.csv"), lines);
        }
    }

    /// <summary>
    /// Saves the AgroNT featurizer (mean-pooled last layer, as <see cref="SequenceFeaturizer.Embeddings"/> computes) followed by the
    /// single output's learner as one pipeline file (<c>mlContext.Model.SaveAgroNT</c>) over a <c>Sequence</c> text column.
    /// </summary>
    /// <param name="model">The model the learner's features came from (mean pooling of its last layer).</param>
    /// <param name="path">The pipeline zip to write.</param>
    /// <param name="embedModel">Store the model's files inside the zip instead of referring to its folder.</param>
    /// <exception cref="InvalidOperationException">The learner has several outputs, or predicts a constant (one class in training).</exception>
    public void SavePipeline(AgroNTModel model, string path, bool embedModel)
    {
        if (_models.Count != 1 || _models[0].Model is not { } learner)
        {
            throw new InvalidOperationException(
                "A pipeline file holds one learner, and this one has " + (_models.Count != 1 ? $"{_models.Count} outputs" : "a single output fitted on one class (it predicts a constant)")
                + "; give a single-output task whose training data has both classes.");
        }

        IDataView sequences = _ml.Data.LoadFromEnumerable([new SequenceRow()]);
        ITransformer featurizer = _ml.Transforms.FeaturizeAgroNT(new AgroNTFeaturizingOptions { Model = model }).Fit(sequences);
        var pipeline = new TransformerChain<ITransformer>(featurizer, learner);
        _ml.Model.SaveAgroNT(pipeline, sequences.Schema, path, new MLNet.Pipelines.AgroNTPipelineSaveOptions
        {
            ModelStorage = embedModel ? MLNet.Pipelines.AgroNTPipelineModelStorage.Embed : MLNet.Pipelines.AgroNTPipelineModelStorage.Reference,
        });
    }

    private IDataView ToDataView(IReadOnlyList<float[]> features, float[] labels)
    {
        if (_problemType.IsClassification())
        {
            return _ml.Data.LoadFromEnumerable(features.Select((f, i) => new BinaryRow { Features = f, Label = labels[i] == 1f }), Bound<BinaryRow>());
        }
        return _ml.Data.LoadFromEnumerable(features.Select((f, i) => new Row { Features = f, Label = labels[i] }), Bound<Row>());
    }

    private SchemaDefinition Bound<T>()
    {
        var definition = SchemaDefinition.Create(typeof(T));
        definition["Features"].ColumnType = new VectorDataViewType(NumberDataViewType.Single, _hiddenSize);
        return definition;
    }

    private sealed class TrialProgress(IProgress<(int Output, ModelSearchTrial Trial)> progress, int output) : IProgress<ModelSearchTrial>
    {
        public void Report(ModelSearchTrial value) => progress.Report((output, value));
    }

    private sealed class Row
    {
        public float[] Features { get; set; } = [];

        public float Label { get; set; }
    }

    private sealed class SequenceRow
    {
        public string Sequence { get; set; } = "";
    }

    private sealed class BinaryRow
    {
        public float[] Features { get; set; } = [];

        public bool Label { get; set; }
    }
}
