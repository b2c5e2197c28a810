using System.Globalization;
using System.Text;
using System.Text.Json;
using AgroNT.MLNet;
using AgroNT.MLNet.Evaluation;
using AgroNT.MLNet.Featurization;
using AgroNT.MLNet.Training.FineTuning;
using AgroNT.MLNet.Visualization;
using AgroNT.Transforms.Benchmarks;
using AgroNT.Transforms.IO;

namespace AgroNT.Cli;

/// <summary>
/// <c>agront finetune</c>: fits a task on benchmark-style FASTA files (<c>&gt;name|label</c>) and writes the model,
/// <c>metrics.json</c> (test metrics by name), <c>predictions.csv</c> and <c>training-curve.png</c>.
/// </summary>
internal sealed class FinetuneVerb : IVerb
{
    private const int PredictionChunk = 512;

    /// <summary>What the verb writes inside --out, so that no input can be one of them.</summary>
    private static readonly string[] OutputFiles = ["model", "checkpoints", "predictions.csv", "metrics.json", "training-curve.png"];

    public string Name => "finetune";

    public string Summary => "fine-tune AgroNT on a labelled FASTA task (ia3, lora, full, frozen-lightgbm or auto)";

    public string Usage => "agront finetune --train A.fa [--validation B.fa] --test C.fa --task binary|multilabel|regression|multiregression "
        + "--method ia3|lora|full|frozen-lightgbm|auto|kmer-lightgbm [--model DIR] --out DIR [--checkpoint-interval N] [--resume] [--rc-augment] [--strand forward|reverse|both] "
        + "[--save-pipeline FILE.zip [--embed-model]]";

    public IReadOnlyList<OptionSpec> Options { get; } =
    [
        CommonOptions.Quiet,
        new("train", null, true, "training FASTA with name|label headers"),
        new("validation", null, true, "validation FASTA for early stopping (optional)"),
        new("test", null, true, "test FASTA: metrics.json and predictions.csv are computed on it"),
        new("task", null, true, "binary, multilabel, regression or multiregression"),
        new("method", null, true, "ia3 (default, the paper's), lora, full, frozen-lightgbm (embeddings + LightGBM), auto (embeddings + model search), or the baseline kmer-lightgbm (6-mer frequencies + LightGBM)"),
        new("time-budget", null, true, "seconds for --method auto's model search, shared by the outputs (default 60)"),
        CommonOptions.Model,
        new("out", null, true, "output folder (created): model/, metrics.json, predictions.csv, training-curve.png"),
        new("epochs", null, true, "passes over the training data (default 10)"),
        new("max-steps", null, true, "stop after this many optimisation steps"),
        new("batch-size", null, true, "sequences per step (default 8)"),
        new("learning-rate", null, true, "encoder-side learning rate (default: ia3 3e-3, lora 5e-4, full 3e-5)"),
        new("head-learning-rate", null, true, "task head learning rate (default 1e-3)"),
        new("patience", null, true, "validations without improvement before stopping (default 3)"),
        new("eval-every", null, true, "steps between validations (default: once per epoch)"),
        new("lora-rank", null, true, "LoRA rank (default 8)"),
        new("lora-alpha", null, true, "LoRA alpha (default 16)"),
        new("lora-targets", null, true, "comma-separated LoRA target modules (default query,value)"),
        new("pooling", null, true, "mean (default) or cls"),
        new("seed", null, true, "random seed (default 42)"),
        new("checkpoint-interval", null, true, "steps between resumable checkpoints in OUT/checkpoints (ia3, lora, full); a checkpoint is also written at the end and on Ctrl+C"),
        new("keep-checkpoints", null, true, "checkpoints kept (default 3)"),
        new("save-pipeline", null, true, "frozen-lightgbm and auto, binary or regression: also save featurizer + learner as one ML.NET pipeline file (load it with mlContext.Model.LoadAgroNT); the model is referred to by its path relative to the file"),
        new("embed-model", null, false, "with --save-pipeline: copy the model's files into the pipeline file, so it loads anywhere on its own"),
        new("resume", null, false, "continue from the newest complete checkpoint in OUT/checkpoints (same settings; --epochs and --max-steps may grow)"),
        CommonOptions.TokenizerMode, CommonOptions.LengthPolicy, CommonOptions.Device,
        new("rc-augment", null, false, "ia3, lora, full: reverse-complement each training example with probability 0.5 (seeded by --seed)"),
        new("strand", null, true, "strand the test set is predicted on: forward (default), reverse, or both (mean of the two strands' predictions); for frozen-lightgbm and auto, the strand of every embedding"),
        TrainingMemory.MicroBatch, TrainingMemory.Checkpointing, TrainingMemory.Budget, TrainingMemory.Precision,
    ];

    public int Run(ParsedArguments args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        var problemType = args.Require("task") switch
        {
            "binary" => ProblemType.BinaryClassification,
            "multilabel" or "multi-label" => ProblemType.MultiLabelClassification,
            "regression" => ProblemType.Regression,
            "multiregression" or "multi-regression" => ProblemType.MultiOutputRegression,
            var other => throw new UsageException($"--task must be binary, multilabel, regression or multiregression, got '{other}'."),
        };
        string method = args.Get("method") ?? "ia3";
        if (method is not ("ia3" or "lora" or "full" or "frozen-lightgbm" or "auto" or "kmer-lightgbm"))
        {
            throw new UsageException($"--method must be ia3, lora, full, frozen-lightgbm, auto or kmer-lightgbm, got '{method}'.");
        }
        string output = args.Require("out");
        CommonOptions.CheckOutputs(
            CommonOptions.Paths(args, "train", "validation", "test", "model"),
            [new("--out", output), .. OutputFiles.Select(name => new Transforms.IO.NamedPath($"--out's {name}", Path.Combine(output, name)))]);
        bool checkpoints = args.Has("checkpoint-interval") || args.Has("resume") || args.Has("keep-checkpoints");
        if (checkpoints && method is "frozen-lightgbm" or "auto" or "kmer-lightgbm")
        {
            throw new UsageException($"--checkpoint-interval, --keep-checkpoints and --resume apply to --method ia3, lora and full; {method} has no training steps to resume.");
        }
        string? pipelinePath = args.Get("save-pipeline");
        if (pipelinePath is null && args.Has("embed-model"))
        {
            throw new UsageException("--embed-model applies to --save-pipeline; add --save-pipeline FILE.zip.");
        }

        if (pipelinePath is not null)
        {
            if (method is not ("frozen-lightgbm" or "auto"))
            {
                throw new UsageException($"--save-pipeline applies to --method frozen-lightgbm and auto (an AgroNT featurizer and an ML.NET learner); {method} has no such pipeline.");
            }

            if (problemType is not (ProblemType.BinaryClassification or ProblemType.Regression))
            {
                throw new UsageException("--save-pipeline applies to --task binary and regression: a multi-output task has one learner per output.");
            }

            if (Transforms.ModelFolders.ModelFolder.Open(CommonOptions.ModelFolder(args)).Kind == Transforms.ModelFolders.ModelFolderKind.FineTuned)
            {
                throw new UsageException("--save-pipeline needs a plain model folder as --model; a fine-tuned folder's adapters are not used by the frozen methods.");
            }
        }

        var strand = CommonOptions.GetStrand(args);
        if (args.Has("rc-augment") && method is "frozen-lightgbm" or "auto" or "kmer-lightgbm")
        {
            throw new UsageException($"--rc-augment applies to --method ia3, lora and full (it augments training steps); {method} has none. For frozen-lightgbm and auto, --strand both embeds both strands instead.");
        }
        if (strand != Transforms.Embeddings.Strand.Forward && method == "kmer-lightgbm")
        {
            throw new UsageException("--strand applies to AgroNT models; kmer-lightgbm counts the 6-mers of the sequence as given. Leave --strand out.");
        }
        var train = BenchmarkDataView.Open(args.Require("train"), problemType);
        var validation = args.Get("validation") is { } validationPath ? BenchmarkDataView.Open(validationPath, problemType, train.LabelCount) : null;
        var test = BenchmarkDataView.Open(args.Require("test"), problemType, train.LabelCount);
        // Every file's first record (its header and labels) is read now, so that a bad --test fails before hours of training.
        foreach (var (view, option) in new[] { (train, "--train"), (validation, "--validation"), (test, "--test") })
        {
            if (view is not null && !view.ReadExamples().Any())
            {
                throw new InvalidDataException($"{option} {view.FilePath} has no records.");
            }
        }
        int seed = args.GetInt("seed", 42);
        var options = TrainingMemory.Apply(args, FineTuningOptions(args, method, seed));
        if (checkpoints)
        {
            options = options with
            {
                CheckpointFolder = Path.Combine(output, "checkpoints"),
                CheckpointInterval = args.Has("checkpoint-interval") ? args.GetInt("checkpoint-interval", 0, 1) : null,
                KeepCheckpoints = args.GetInt("keep-checkpoints", options.KeepCheckpoints, 1),
                Resume = args.Has("resume"),
            };
        }
        Directory.CreateDirectory(output);
        string modelFolder = Path.Combine(output, "model");

        var labels = new List<float>();
        var predictions = new List<float>();
        using var csv = StagedFile.Create(Path.Combine(output, "predictions.csv"));
        using (var writer = new StreamWriter(csv.Stream, new UTF8Encoding(false), 1 << 16, leaveOpen: true))
        {
            writer.WriteLine(CsvHeader(problemType, train.LabelCount));
            if (method is "frozen-lightgbm" or "auto" or "kmer-lightgbm")
            {
                using var embedder = method == "kmer-lightgbm" ? null : DnaEmbedders.Open(CommonOptions.ModelFolder(args), new DnaEmbedderOptions { Tokenizer = options.Tokenizer, Device = options.Device, Strand = strand });
                var featurizer = embedder is null ? SequenceFeaturizer.SixMerFrequencies : SequenceFeaturizer.Embeddings(embedder);
                stderr.WriteLine("agront finetune: " + (embedder is null ? "counting 6-mers" : $"embedding with {embedder.Layer}-layer AgroNT")
                    + " and fitting " + (method == "auto" ? "the model search" : "LightGBM"));
                var examples = train.ReadExamples().ToList();
                var frozen = method == "auto"
                    ? FrozenEncoderLearner.FitSearch(featurizer, problemType, train.LabelCount, examples, seed,
                        TimeSpan.FromSeconds(args.GetInt("time-budget", 60, 1)), new TrialLog(stderr), cancellationToken)
                    : FrozenEncoderLearner.Fit(featurizer, problemType, train.LabelCount, examples, seed, cancellationToken);
                foreach (string note in frozen.Notes)
                {
                    stderr.WriteLine($"agront finetune: {note}");
                }
                frozen.Save(modelFolder);
                if (pipelinePath is not null)
                {
                    var model = (embedder as AgroNTEmbedder)?.Model
                        ?? throw new UsageException("--save-pipeline saves a TorchSharp featurizer: give --model a Hugging Face model folder (an ONNX export folder pipelines through FeaturizeAgroNTOnnx in C#).");
                    frozen.SavePipeline(model, pipelinePath, args.Has("embed-model"));
                    stderr.WriteLine($"agront finetune: pipeline saved to {pipelinePath}");
                }
                PredictTest(test, chunk => frozen.Predict(featurizer, chunk, cancellationToken), writer, labels, predictions, cancellationToken);
            }
            else
            {
                TrainingMemory.Check(Name, CommonOptions.ModelFolder(args), options, train, stderr);
                var trainer = new FineTuningTrainer(options);
                FineTunedModel fittedModel;
                using var display = CliProgress.Create(args, stderr, Name, ProgressUnit.Of("steps"));
                var progress = new ProgressWriter(display, Name);
                try
                {
                    fittedModel = trainer.Fit(CommonOptions.ModelFolder(args), train, validation, progress, cancellationToken);
                    display.Complete();
                    display.Dispose();
                }
                catch (OperationCanceledException) when (progress.LastCheckpoint is { } checkpoint)
                {
                    display.Dispose();
                    stderr.WriteLine($"agront finetune: cancelled; checkpoint {checkpoint}. Run the same command with --resume to continue.");
                    return 130;
                }
                using var fitted = fittedModel;
                fitted.Save(modelFolder);
                Plots.SaveTrainingCurve(Path.Combine(output, "training-curve.png"), fitted.History);
                stderr.WriteLine($"agront finetune: {fitted.History.Steps} steps, kept step {fitted.History.BestStep}{(fitted.History.StoppedEarly ? " (stopped early)" : "")}; "
                    + $"{fitted.TrainableParameterCount:N0} of {fitted.TotalParameterCount:N0} parameters trained");
                PredictTest(test, chunk => [.. fitted.Predict([.. chunk.Select(e => e.Sequence)], strand, cancellationToken: cancellationToken)], writer, labels, predictions, cancellationToken);
            }
        }
        csv.Commit();

        var metrics = Metrics(problemType, train.LabelCount, labels.ToArray(), predictions.ToArray(), stderr);
        WriteMetrics(Path.Combine(output, "metrics.json"), metrics);
        stdout.WriteLine(string.Join(", ", metrics.Select(m => string.Create(CultureInfo.InvariantCulture, $"{m.Key} {m.Value:0.####}"))));
        return 0;
    }

    private static FineTuningOptions FineTuningOptions(ParsedArguments args, string method, int seed)
    {
        var defaults = new FineTuningOptions();
        return new FineTuningOptions
        {
            Method = method switch { "lora" => FineTuningMethod.Lora, "full" => FineTuningMethod.Full, _ => FineTuningMethod.Ia3 },
            Epochs = args.GetInt("epochs", defaults.Epochs, 1),
            MaxSteps = args.Has("max-steps") ? args.GetInt("max-steps", 0, 1) : null,
            BatchSize = args.GetInt("batch-size", defaults.BatchSize, 1, 4096),
            LearningRate = args.Has("learning-rate") ? GetDouble(args, "learning-rate") : null,
            HeadLearningRate = args.Has("head-learning-rate") ? GetDouble(args, "head-learning-rate") : defaults.HeadLearningRate,
            Patience = args.GetInt("patience", defaults.Patience, 1),
            EvaluationInterval = args.Has("eval-every") ? args.GetInt("eval-every", 0, 1) : null,
            Pooling = args.GetEnum("pooling", HeadPooling.Mean),
            Seed = seed,
            Lora = new LoraOptions
            {
                Rank = args.GetInt("lora-rank", defaults.Lora.Rank, 1, 4096),
                Alpha = args.Has("lora-alpha") ? GetDouble(args, "lora-alpha") : defaults.Lora.Alpha,
                TargetModules = args.Get("lora-targets") is { } targets
                    ? [.. targets.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)]
                    : defaults.Lora.TargetModules,
            },
            Tokenizer = CommonOptions.TokenizerOptions(args),
            // kmer-lightgbm runs no network; an ONNX folder for the frozen methods is checked by its own runtime.
            Device = CommonOptions.DeviceName(args, checkTorchNow: method is "ia3" or "lora" or "full"),
            ReverseComplementAugment = args.Has("rc-augment"),
        };
    }

    private static double GetDouble(ParsedArguments args, string name)
    {
        string text = args.Require(name);
        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) && value > 0 && double.IsFinite(value)
            ? value
            : throw new UsageException($"--{name} must be a positive number, got '{text}'.");
    }

    private static void PredictTest(BenchmarkDataView test, Func<IReadOnlyList<TaskExample>, IReadOnlyList<float[]>> predict,
        StreamWriter writer, List<float> labels, List<float> predictions, CancellationToken cancellationToken)
    {
        foreach (var chunk in test.ReadExamples().Chunk(PredictionChunk))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var outputs = predict(chunk);
            for (int i = 0; i < chunk.Length; i++)
            {
                labels.AddRange(chunk[i].Labels);
                predictions.AddRange(outputs[i]);
                writer.Write(CsvField(chunk[i].Name));
                foreach (float value in chunk[i].Labels.Concat(outputs[i]))
                {
                    writer.Write(',');
                    writer.Write(value.ToString("R", CultureInfo.InvariantCulture));
                }
                writer.WriteLine();
            }
        }
        if (labels.Count == 0)
        {
            throw new InvalidDataException($"The test file {test.FilePath} has no records.");
        }
    }

    private static string CsvHeader(ProblemType problemType, int outputs)
    {
        string prediction = problemType.IsClassification() ? "probability" : "prediction";
        if (outputs == 1)
        {
            return $"id,label,{prediction}";
        }
        var names = Enumerable.Range(1, outputs);
        return "id," + string.Join(",", names.Select(i => $"label_{i}")) + "," + string.Join(",", names.Select(i => $"{prediction}_{i}"));
    }

    private static string CsvField(string text) =>
        text.AsSpan().IndexOfAny(",\"\n\r") < 0 ? text : "\"" + text.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    private static IReadOnlyDictionary<string, double> Metrics(ProblemType problemType, int outputs, float[] labels, float[] predictions, TextWriter stderr)
    {
        var evaluation = BenchmarkMetrics.Evaluate(problemType, labels, predictions, outputs);
        foreach (string note in evaluation.Notes)
        {
            stderr.WriteLine($"agront finetune: {note}");
        }
        return evaluation.All;
    }

    private static void WriteMetrics(string path, IReadOnlyDictionary<string, double> metrics)
    {
        using var file = StagedFile.Create(path);
        using (var json = new Utf8JsonWriter(file.Stream, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            foreach (var (name, value) in metrics)
            {
                if (double.IsFinite(value))
                {
                    json.WriteNumber(name, value);
                }
                else
                {
                    // JSON has no NaN: an undefined metric (one class in the test set) is null.
                    json.WriteNull(name);
                }
            }
            json.WriteEndObject();
        }
        file.Commit();
    }

    /// <summary>One line per validation, checkpoint and message; training steps move the progress display.</summary>
    private sealed class ProgressWriter(CliProgress display, string verb) : IProgress<FineTuningProgress>
    {
        /// <summary>The folder of the newest checkpoint written, if any.</summary>
        public string? LastCheckpoint { get; private set; }

        public void Report(FineTuningProgress value)
        {
            if (value.Message is { } message)
            {
                display.WriteLine($"agront {verb}: {message}");
            }
            else if (value.Checkpoint is { } checkpoint)
            {
                LastCheckpoint = checkpoint;
                display.WriteLine($"agront {verb}: step {value.Step}: checkpoint {checkpoint}");
            }
            else if (value.ValidationLoss is { } loss)
            {
                display.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"agront {verb}: epoch {value.Epoch} step {value.Step}: train loss {value.TrainLoss:0.####}, validation loss {loss:0.####}, {value.MetricName} {value.ValidationMetric:0.####}{(value.IsBest ? " (best)" : "")}"));
            }
            else
            {
                display.Report(value.Step, value.TotalSteps, string.Create(CultureInfo.InvariantCulture, $"epoch {value.Epoch}, train loss {value.TrainLoss:0.####}"));
            }
        }
    }

    private sealed class TrialLog(TextWriter log) : IProgress<(int Output, MLNet.ModelSelection.ModelSearchTrial Trial)>
    {
        public void Report((int Output, MLNet.ModelSelection.ModelSearchTrial Trial) value) => log.WriteLine(
            $"agront finetune: output {value.Output} trial {value.Trial.Index}: {value.Trial.Description}: {(value.Trial.Error is null ? value.Trial.Metric.ToString("0.####", System.Globalization.CultureInfo.InvariantCulture) : "failed: " + value.Trial.Error)}");
    }
}
