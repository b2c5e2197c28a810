using AgroNT.MLNet;
using AgroNT.MLNet.Analysis;
using AgroNT.MLNet.Featurization;
using AgroNT.Transforms.Benchmarks;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers.LightGbm;

namespace AgroNT.Cli;

/// <summary>Turns examples into fixed-length feature vectors.</summary>
/// <param name="Length">The vector length.</param>
/// <param name="Compute">Computes one vector per example, in order.</param>
internal sealed record Featurizer(int Length, Func<IReadOnlyList<BenchmarkExample>, CancellationToken, IReadOnlyList<float[]>> Compute)
{
    /// <summary>Mean-pooled last-layer AgroNT embeddings.</summary>
    public static Featurizer Embeddings(AgroNTEmbedder embedder) => new(embedder.HiddenSize,
        (examples, cancellationToken) => embedder.Embed([.. examples.Select(e => e.Sequence)], [.. examples.Select(e => e.Name)], cancellationToken));

    /// <summary>Overlapping 6-mer frequencies (4096 features), the alignment-free baseline.</summary>
    public static Featurizer SixMerCounts { get; } = new(KmerCounts.FeatureCount(6),
        (examples, _) => [.. examples.Select(e => KmerCounts.Frequencies(e.Sequence))]);
}

/// <summary>
/// The frozen routes of <c>agront finetune</c>: mean-pooled last-layer AgroNT embeddings, then one ML.NET model per
/// output (binary classifier or regressor): LightGBM with fixed settings (<c>frozen-lightgbm</c>), or the best
/// candidate of an automatic model search (<c>auto</c>). The same learners on 6-mer frequencies instead of
/// embeddings are the baseline <c>kmer-lightgbm</c>.
/// </summary>
internal sealed class FrozenLightGbm
{
    private readonly MLContext _ml;
    private readonly BenchmarkProblemType _problemType;
    private readonly List<(ITransformer? Model, float Constant)> _models = [];
    private readonly int _hiddenSize;

    private FrozenLightGbm(MLContext ml, BenchmarkProblemType problemType, int hiddenSize)
    {
        _ml = ml;
        _problemType = problemType;
        _hiddenSize = hiddenSize;
    }

    public IReadOnlyList<string> Notes { get; private set; } = [];

    public IReadOnlyList<ModelSearchResult> Searches { get; private set; } = [];

    /// <summary>Fits one automatic model search per output, sharing <paramref name="budget"/> equally.</summary>
    public static FrozenLightGbm FitSearch(Featurizer featurizer, BenchmarkProblemType problemType, int outputs, IReadOnlyList<BenchmarkExample> train,
        int seed, TimeSpan budget, TextWriter log, CancellationToken cancellationToken)
    {
        var features = featurizer.Compute(train, cancellationToken);
        var result = new FrozenLightGbm(new MLContext(seed), problemType, featurizer.Length);
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
            var search = experiment.Execute(result.ToDataView(features, labels), progress: new TrialLog(log, j + 1), cancellationToken: cancellationToken);
            searches.Add(search);
            result._models.Add((search.Model, 0));
            notes.Add($"output {j + 1}: best of {search.Leaderboard.Count} candidates is {search.BestRun.Description}, cross-validated {search.MetricName} {search.BestRun.Metric:0.####}");
        }
        result.Notes = notes;
        result.Searches = searches;
        return result;
    }

    public static FrozenLightGbm Fit(Featurizer featurizer, BenchmarkProblemType problemType, int outputs, IReadOnlyList<BenchmarkExample> train, int seed, CancellationToken cancellationToken)
    {
        var features = featurizer.Compute(train, cancellationToken);
        var result = new FrozenLightGbm(new MLContext(seed), problemType, featurizer.Length);
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
    public float[][] Predict(Featurizer featurizer, IReadOnlyList<BenchmarkExample> examples, CancellationToken cancellationToken)
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
    /// Saves the AgroNT featurizer (mean-pooled last layer, as <see cref="Featurizer.Embeddings"/> computes) followed by the
    /// single output's learner as one pipeline file (<c>mlContext.Model.SaveAgroNT</c>) over a <c>Sequence</c> text column.
    /// </summary>
    public void SavePipeline(AgroNTModel model, string path, bool embedModel)
    {
        if (_models.Count != 1 || _models[0].Model is not { } learner)
        {
            throw new InvalidOperationException(
                "--save-pipeline saves one learner, and this task's training data has one class only (the model predicts a constant); give training data with both classes.");
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

    private sealed class TrialLog(TextWriter log, int output) : IProgress<ModelSearchTrial>
    {
        public void Report(ModelSearchTrial value) => log.WriteLine(
            $"agront finetune: output {output} trial {value.Index}: {value.Description}: {(value.Error is null ? value.Metric.ToString("0.####", System.Globalization.CultureInfo.InvariantCulture) : "failed: " + value.Error)}");
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
