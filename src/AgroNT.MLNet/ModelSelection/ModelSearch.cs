using System.Diagnostics;
using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;
using Microsoft.ML.Trainers.FastTree;
using Microsoft.ML.Trainers.LightGbm;

namespace AgroNT.MLNet.ModelSelection;

/// <summary>Which kind of label a <see cref="ModelSearchExperiment"/> learns.</summary>
public enum ModelSearchTask
{
    /// <summary>A Boolean label; candidates are ranked by cross-validated AUROC.</summary>
    BinaryClassification,

    /// <summary>A Single label; candidates are ranked by cross-validated R2.</summary>
    Regression,
}

/// <summary>Settings of an automatic model search.</summary>
public sealed record ModelSearchOptions
{
    /// <summary>Wall-clock budget: no new candidate starts after it (the running one finishes). Default 60 s.</summary>
    public TimeSpan MaxTime { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Cross-validation folds per candidate. Default 5.</summary>
    public int Folds { get; init; } = 5;

    /// <summary>Candidates to try at most; <see langword="null"/> = until the budget or the search space runs out.</summary>
    public int? MaxTrials { get; init; }

    /// <summary>Trainer families to include (<c>LightGbm</c>, <c>FastTree</c>, <c>FastForest</c>, <c>Sdca</c>, and for classification <c>Lbfgs</c>); <see langword="null"/> = all.</summary>
    public IReadOnlyList<string>? Trainers { get; init; }

    /// <summary>Threads per tree-ensemble trainer (LightGBM, FastTree, FastForest); <see langword="null"/> = the trainers' default (all cores).</summary>
    public int? NumberOfThreads { get; init; }

    /// <summary>
    /// A column whose equal values always land in the same fold (ML.NET's sampling key), such as a genomic region
    /// id for overlapping windows; <see langword="null"/> splits rows at random.
    /// </summary>
    public string? SamplingKeyColumnName { get; init; }

    /// <summary>Seed of the fold split and of the trainers that use one. Default 1.</summary>
    public int Seed { get; init; } = 1;
}

/// <summary>One evaluated candidate: a trainer with hyperparameters and its cross-validated score.</summary>
/// <param name="Index">The trial's number, from 1, in the order run.</param>
/// <param name="TrainerName">The trainer family, such as <c>LightGbm</c>.</param>
/// <param name="Hyperparameters">The settings tried, as text.</param>
/// <param name="Metric">The mean over folds of the ranking metric (AUROC or R2); NaN when it failed.</param>
/// <param name="MetricStdDev">The standard deviation over folds.</param>
/// <param name="Duration">Time spent on the cross-validation.</param>
/// <param name="Error">Why the candidate failed, or <see langword="null"/>.</param>
public sealed record ModelSearchTrial(int Index, string TrainerName, IReadOnlyDictionary<string, string> Hyperparameters, double Metric, double MetricStdDev, TimeSpan Duration, string? Error = null)
{
    /// <summary>Trainer and settings on one line, as in a leaderboard.</summary>
    public string Description => TrainerName + (Hyperparameters.Count == 0 ? "" : " (" + string.Join(", ", Hyperparameters.Select(h => $"{h.Key}={h.Value}")) + ")");
}

/// <summary>The outcome of <see cref="ModelSearchExperiment.Execute"/>.</summary>
/// <param name="MetricName">The ranking metric: <c>auroc</c> or <c>r2</c>.</param>
/// <param name="Leaderboard">Every successful trial, best first (failed trials last).</param>
/// <param name="BestRun">The best trial.</param>
/// <param name="Model">The best candidate's pipeline refitted on all the training data.</param>
/// <param name="Elapsed">Total search time, refit included.</param>
public sealed record ModelSearchResult(string MetricName, IReadOnlyList<ModelSearchTrial> Leaderboard, ModelSearchTrial BestRun, ITransformer Model, TimeSpan Elapsed);

/// <summary>
/// An automatic search over ML.NET trainers and their main hyperparameters, scored by k-fold cross-validation within a
/// time budget, returning a leaderboard and the best pipeline refitted on all the data. Shaped like an AutoML
/// experiment (create, then <c>Execute(data, labelColumnName)</c>), but a plain round-robin over a fixed grid: defaults
/// of every trainer first, then the rest of each grid, no Bayesian tuning. Start one with
/// <see cref="ModelSearchFactory.CreateBinaryClassificationSearch"/> or <see cref="ModelSearchFactory.CreateRegressionSearch"/>.
/// </summary>
public sealed class ModelSearchExperiment
{
    private readonly MLContext _ml;

    internal ModelSearchExperiment(MLContext ml, ModelSearchTask task, ModelSearchOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Folds, 2);
        if (options.MaxTime <= TimeSpan.Zero || options.MaxTrials is <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(options), "MaxTime and MaxTrials must be positive.");
        }
        _ml = ml;
        Task = task;
        Options = options;
    }

    /// <summary>What the search learns.</summary>
    public ModelSearchTask Task { get; }

    /// <summary>The settings.</summary>
    public ModelSearchOptions Options { get; }

    /// <summary>Runs the search.</summary>
    /// <param name="trainData">Training data with a label column and a fixed-size Single vector feature column (such as AgroNT embeddings).</param>
    /// <param name="labelColumnName">The label: Boolean for classification, Single for regression.</param>
    /// <param name="featureColumnName">The feature vector.</param>
    /// <param name="progress">Receives each finished trial.</param>
    /// <param name="cancellationToken">Checked between trials.</param>
    /// <returns>The leaderboard and the refitted best model.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing or of the wrong type.</exception>
    /// <exception cref="InvalidOperationException">Every candidate failed.</exception>
    public ModelSearchResult Execute(IDataView trainData, string labelColumnName = "Label", string featureColumnName = "Features",
        IProgress<ModelSearchTrial>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(trainData);
        CheckColumns(trainData.Schema, labelColumnName, featureColumnName);
        // Cross-validation reads the data once per fold per candidate: cache it once.
        var data = _ml.Data.Cache(trainData);
        long rows = data.GetRowCount() ?? CountRows(data);
        var clock = Stopwatch.StartNew();
        var trials = new List<(ModelSearchTrial Trial, IEstimator<ITransformer> Pipeline)>();
        foreach (var (name, hyperparameters, pipeline) in Candidates(labelColumnName, featureColumnName, rows))
        {
            if (clock.Elapsed >= Options.MaxTime || trials.Count >= (Options.MaxTrials ?? int.MaxValue))
            {
                break;
            }
            cancellationToken.ThrowIfCancellationRequested();
            var trialClock = Stopwatch.StartNew();
            ModelSearchTrial trial;
            try
            {
                double[] scores = CrossValidate(data, pipeline, labelColumnName);
                double mean = scores.Average();
                double std = Math.Sqrt(scores.Sum(s => (s - mean) * (s - mean)) / Math.Max(1, scores.Length - 1));
                trial = new ModelSearchTrial(trials.Count + 1, name, hyperparameters, mean, std, trialClock.Elapsed);
            }
            catch (Exception exception) when (exception is InvalidOperationException or ArgumentException or InvalidDataException)
            {
                trial = new ModelSearchTrial(trials.Count + 1, name, hyperparameters, double.NaN, double.NaN, trialClock.Elapsed, exception.Message);
            }
            trials.Add((trial, pipeline));
            progress?.Report(trial);
        }
        var ranked = trials.OrderBy(t => double.IsNaN(t.Trial.Metric) ? 1 : 0).ThenByDescending(t => t.Trial.Metric).ToList();
        if (ranked.Count == 0 || double.IsNaN(ranked[0].Trial.Metric))
        {
            throw new InvalidOperationException(ranked.Count == 0
                ? "The time budget ended before the first candidate; raise MaxTime."
                : $"Every candidate failed; the first error: {ranked[0].Trial.Error}");
        }
        var model = ranked[0].Pipeline.Fit(data);
        return new ModelSearchResult(Task == ModelSearchTask.BinaryClassification ? "auroc" : "r2", [.. ranked.Select(t => t.Trial)], ranked[0].Trial, model, clock.Elapsed);
    }

    private double[] CrossValidate(IDataView data, IEstimator<ITransformer> pipeline, string label)
    {
        if (Task == ModelSearchTask.BinaryClassification)
        {
            return [.. _ml.BinaryClassification.CrossValidateNonCalibrated(data, pipeline, Options.Folds, label, Options.SamplingKeyColumnName, Options.Seed)
                .Select(f => f.Metrics.AreaUnderRocCurve)];
        }
        return [.. _ml.Regression.CrossValidate(data, pipeline, Options.Folds, label, Options.SamplingKeyColumnName, Options.Seed).Select(f => f.Metrics.RSquared)];
    }

    private IEnumerable<(string Name, IReadOnlyDictionary<string, string> Hyperparameters, IEstimator<ITransformer> Pipeline)> Candidates(string label, string features, long rows)
    {
        int minLeaf = (int)Math.Clamp(rows / 50, 1, 20);
        bool binary = Task == ModelSearchTask.BinaryClassification;
        var grids = new List<List<(string Name, IReadOnlyDictionary<string, string> Hyperparameters, IEstimator<ITransformer> Pipeline)>>();
        bool Include(string name) => Options.Trainers is null || Options.Trainers.Contains(name, StringComparer.OrdinalIgnoreCase);

        if (Include("LightGbm"))
        {
            grids.Add([.. from leaves in new[] { 31, 15, 63 }
                          from rate in new[] { 0.1, 0.03 }
                          from iterations in new[] { 100, 300 }
                          select Candidate("LightGbm", binary
                              ? (IEstimator<ITransformer>)_ml.BinaryClassification.Trainers.LightGbm(new LightGbmBinaryTrainer.Options
                              {
                                  LabelColumnName = label, FeatureColumnName = features, NumberOfLeaves = leaves, LearningRate = rate,
                                  NumberOfIterations = iterations, MinimumExampleCountPerLeaf = minLeaf, Seed = Options.Seed, Silent = true,
                                  NumberOfThreads = Options.NumberOfThreads,
                              })
                              : _ml.Regression.Trainers.LightGbm(new LightGbmRegressionTrainer.Options
                              {
                                  LabelColumnName = label, FeatureColumnName = features, NumberOfLeaves = leaves, LearningRate = rate,
                                  NumberOfIterations = iterations, MinimumExampleCountPerLeaf = minLeaf, Seed = Options.Seed, Silent = true,
                                  NumberOfThreads = Options.NumberOfThreads,
                              }),
                              ("leaves", leaves), ("learningRate", rate), ("iterations", iterations))]);
        }
        if (Include("FastTree"))
        {
            grids.Add([.. from leaves in new[] { 20, 8 }
                          from trees in new[] { 100, 300 }
                          select Candidate("FastTree", binary
                              ? (IEstimator<ITransformer>)_ml.BinaryClassification.Trainers.FastTree(new FastTreeBinaryTrainer.Options
                              {
                                  LabelColumnName = label, FeatureColumnName = features, NumberOfLeaves = leaves, NumberOfTrees = trees,
                                  MinimumExampleCountPerLeaf = minLeaf, NumberOfThreads = Options.NumberOfThreads, Seed = Options.Seed,
                              })
                              : _ml.Regression.Trainers.FastTree(new FastTreeRegressionTrainer.Options
                              {
                                  LabelColumnName = label, FeatureColumnName = features, NumberOfLeaves = leaves, NumberOfTrees = trees,
                                  MinimumExampleCountPerLeaf = minLeaf, NumberOfThreads = Options.NumberOfThreads, Seed = Options.Seed,
                              }),
                              ("leaves", leaves), ("trees", trees))]);
        }
        if (Include("FastForest"))
        {
            grids.Add([.. from trees in new[] { 100, 300 }
                          select Candidate("FastForest", binary
                              ? (IEstimator<ITransformer>)_ml.BinaryClassification.Trainers.FastForest(new FastForestBinaryTrainer.Options
                              {
                                  LabelColumnName = label, FeatureColumnName = features, NumberOfTrees = trees,
                                  MinimumExampleCountPerLeaf = minLeaf, NumberOfThreads = Options.NumberOfThreads, Seed = Options.Seed,
                              })
                              : _ml.Regression.Trainers.FastForest(new FastForestRegressionTrainer.Options
                              {
                                  LabelColumnName = label, FeatureColumnName = features, NumberOfTrees = trees,
                                  MinimumExampleCountPerLeaf = minLeaf, NumberOfThreads = Options.NumberOfThreads, Seed = Options.Seed,
                              }),
                              ("trees", trees))]);
        }
        if (Include("Sdca"))
        {
            grids.Add([.. from l2 in new float?[] { null, 1e-3f, 1e-1f }
                          select Candidate("Sdca", Normalized(features, binary
                              ? (IEstimator<ITransformer>)_ml.BinaryClassification.Trainers.SdcaLogisticRegression(label, features, l2Regularization: l2)
                              : _ml.Regression.Trainers.Sdca(label, features, l2Regularization: l2)),
                              ("l2", l2?.ToString(CultureInfo.InvariantCulture) ?? "auto"))]);
        }
        // L-BFGS has no plain least-squares regressor in ML.NET (only Poisson), so it is a classification candidate only.
        if (Include("Lbfgs") && binary)
        {
            grids.Add([.. from l2 in new[] { 1f, 0.01f }
                          select Candidate("Lbfgs", Normalized(features, _ml.BinaryClassification.Trainers.LbfgsLogisticRegression(label, features, l2Regularization: l2)),
                              ("l2", l2))]);
        }
        if (grids.Count == 0)
        {
            throw new ArgumentException($"No known trainer in {string.Join(", ", Options.Trainers ?? [])}; use LightGbm, FastTree, FastForest, Sdca or Lbfgs.", nameof(Options));
        }
        // Round robin: every trainer's first (default-like) setting before any second setting.
        for (int round = 0; grids.Any(g => round < g.Count); round++)
        {
            foreach (var grid in grids.Where(g => round < g.Count))
            {
                yield return grid[round];
            }
        }
    }

    private static long CountRows(IDataView data)
    {
        long count = 0;
        using var cursor = data.GetRowCursor([]);
        while (cursor.MoveNext())
        {
            count++;
        }
        return count;
    }

    private IEstimator<ITransformer> Normalized(string features, IEstimator<ITransformer> trainer) =>
        _ml.Transforms.NormalizeMinMax(features).Append(trainer);

    private static (string, IReadOnlyDictionary<string, string>, IEstimator<ITransformer>) Candidate(string name, IEstimator<ITransformer> pipeline, params (string Key, object Value)[] hyperparameters) =>
        (name, hyperparameters.ToDictionary(h => h.Key, h => Convert.ToString(h.Value, CultureInfo.InvariantCulture)!), pipeline);

    private void CheckColumns(DataViewSchema schema, string label, string features)
    {
        var labelColumn = schema.GetColumnOrNull(label)
            ?? throw new ArgumentOutOfRangeException(nameof(label), $"The label column '{label}' is not in the data; it has {string.Join(", ", schema.Select(c => $"'{c.Name}'"))}.");
        var expected = Task == ModelSearchTask.BinaryClassification ? (DataViewType)BooleanDataViewType.Instance : NumberDataViewType.Single;
        if (labelColumn.Type != expected)
        {
            throw new ArgumentOutOfRangeException(nameof(label), $"The label column '{label}' has type {labelColumn.Type}; expected {expected}.");
        }
        var featureColumn = schema.GetColumnOrNull(features)
            ?? throw new ArgumentOutOfRangeException(nameof(features), $"The feature column '{features}' is not in the data.");
        if (featureColumn.Type is not VectorDataViewType { ItemType: NumberDataViewType item, IsKnownSize: true } || item != NumberDataViewType.Single)
        {
            throw new ArgumentOutOfRangeException(nameof(features), $"The feature column '{features}' has type {featureColumn.Type}; expected a fixed-size vector of Single.");
        }
    }
}

/// <summary>Creates model searches; obtained from <c>mlContext.ModelSearch()</c>.</summary>
public sealed class ModelSearchFactory
{
    internal ModelSearchFactory(MLContext context) => Context = context;

    internal MLContext Context { get; }

    /// <summary>Creates a binary classification search ranked by cross-validated AUROC.</summary>
    /// <param name="options">Budget, folds, trainers and seed.</param>
    /// <returns>The experiment; run it with <see cref="ModelSearchExperiment.Execute"/>.</returns>
    public ModelSearchExperiment CreateBinaryClassificationSearch(ModelSearchOptions? options = null)
    {
        return new ModelSearchExperiment(Context, ModelSearchTask.BinaryClassification, options ?? new ModelSearchOptions());
    }

    /// <summary>Creates a regression search ranked by cross-validated R2.</summary>
    /// <param name="options">Budget, folds, trainers and seed.</param>
    /// <returns>The experiment.</returns>
    public ModelSearchExperiment CreateRegressionSearch(ModelSearchOptions? options = null)
    {
        return new ModelSearchExperiment(Context, ModelSearchTask.Regression, options ?? new ModelSearchOptions());
    }
}
