using AgroNT.MLNet;
using AgroNT.MLNet.Featurization;
using AgroNT.Transforms.Benchmarks;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers.LightGbm;

namespace AgroNT.Cli;

/// <summary>
/// The frozen route of <c>agront finetune --method frozen-lightgbm</c>: mean-pooled last-layer AgroNT embeddings,
/// then one LightGBM model per output (binary classifier or regressor).
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

    public static FrozenLightGbm Fit(AgroNTEmbedder embedder, BenchmarkProblemType problemType, int outputs, IReadOnlyList<BenchmarkExample> train, int seed, CancellationToken cancellationToken)
    {
        var features = embedder.Embed([.. train.Select(e => e.Sequence)], [.. train.Select(e => e.Name)], cancellationToken);
        var result = new FrozenLightGbm(new MLContext(seed), problemType, embedder.HiddenSize);
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
    public float[][] Predict(AgroNTEmbedder embedder, IReadOnlyList<BenchmarkExample> examples, CancellationToken cancellationToken)
    {
        var features = embedder.Embed([.. examples.Select(e => e.Sequence)], [.. examples.Select(e => e.Name)], cancellationToken);
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

    /// <summary>Saves each output's LightGBM model as an ML.NET zip (<c>lightgbm_o1.zip</c>, ...).</summary>
    public void Save(string folder)
    {
        Directory.CreateDirectory(folder);
        var schema = ToDataView([new float[_hiddenSize]], [0f]).Schema;
        for (int j = 0; j < _models.Count; j++)
        {
            if (_models[j].Model is { } model)
            {
                _ml.Model.Save(model, schema, Path.Combine(folder, $"lightgbm_o{j + 1}.zip"));
            }
        }
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

    private sealed class Row
    {
        public float[] Features { get; set; } = [];

        public float Label { get; set; }
    }

    private sealed class BinaryRow
    {
        public float[] Features { get; set; } = [];

        public bool Label { get; set; }
    }
}
