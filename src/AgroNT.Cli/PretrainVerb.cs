using System.Globalization;
using AgroNT.MLNet;
using AgroNT.MLNet.Modeling;
using AgroNT.MLNet.Training;
using AgroNT.MLNet.Training.Data;

namespace AgroNT.Cli;

/// <summary>
/// <c>agront pretrain</c>: masked-language-model pretraining on genomes with AgroNT's recipe; writes a Hugging Face model
/// folder plus metrics.csv and loss.png, with checkpoints to resume from.
/// </summary>
internal sealed class PretrainVerb : IVerb
{
    public string Name => "pretrain";

    public string Summary => "pretrain (or continue pretraining) an AgroNT-architecture model on genomes";

    public string Usage => "agront pretrain --genome FILE... --out DIR (--config config.json | --init DIR | --hidden H --layers L --heads A --intermediate I) [--max-steps N] [--resume] ...";

    public IReadOnlyList<OptionSpec> Options { get; } =
    [
        CommonOptions.Quiet,
        new("genome", "g", true, "training genome(s): FASTA (.fa .fasta .fna, optionally .gz), read as a stream", Repeatable: true),
        new("out", "o", true, "output model folder (Hugging Face layout + metrics.csv + loss.png; checkpoints in DIR/checkpoints)"),
        new("config", null, true, "train from scratch with this Hugging Face ESM config.json (sizes)"),
        new("init", null, true, "continue pretraining from this model folder (or cached Hub id)"),
        new("hidden", null, true, "hidden size (overrides --config; without it, AgroNT-1B's config is the base)"),
        new("layers", null, true, "number of layers"),
        new("heads", null, true, "attention heads"),
        new("intermediate", null, true, "feed-forward width"),
        new("max-steps", null, true, "updates (default 1000); also the schedule's length"),
        new("resume", null, false, "continue from the newest complete checkpoint in the checkpoint folder"),
        new("lr", null, true, "peak learning rate (default 1e-4)"),
        new("warmup", null, true, "warm-up updates (default: a tenth of --max-steps, at most 16000)"),
        new("decay", null, true, "inverse-sqrt (default, AgroNT/NT), cosine, linear or constant"),
        new("min-lr-ratio", null, true, "floor of linear/cosine decay as a share of the peak (default 0)"),
        new("weight-decay", null, true, "AdamW decoupled weight decay, not on biases and LayerNorms (default 0.01)"),
        new("clip", null, true, "global gradient-norm clipping, 0 = off (default 1.0)"),
        new("batch-tokens", null, true, "effective batch in real tokens per update (default 16384; AgroNT used 1.5M)"),
        new("micro-batch", null, true, "sequences per forward/backward pass (default 4)"),
        new("max-tokens", null, true, "longest input in tokens including <cls> (default: the model's 1024)"),
        new("window", null, true, "window length in bp (default 6200, AgroNT's)"),
        new("overlap", null, true, "overlap on each side of a window in bp (default 100, AgroNT's)"),
        new("max-n-fraction", null, true, "skip windows with a larger share of N (default 0.5)"),
        new("shift-windows", null, false, "move each region's window grid (and 6-mer frame) by a random offset every epoch (small corpora; AgroNT: off)"),
        new("validation-fraction", null, true, "hold out this share of each genome's regions (default 0.05 unless another validation is named)"),
        new("validation-record", null, true, "hold out these records (contigs, chromosomes) by name", Repeatable: true),
        new("validation-genome", null, true, "validation-only genome(s) (AgroNT held out whole species)", Repeatable: true),
        new("region-length", null, true, "genomes are read and split in regions of this many bp (default 100000)"),
        new("validation-windows", null, true, "most validation windows (default 64)"),
        new("validation-masks", null, true, "independent mask draws per validation window, for a steadier accuracy (default 1)"),
        new("validation-interval", null, true, "updates between validations (default 200)"),
        new("precision", null, true, "fp32 (default) or bf16 compute with fp32 master weights"),
        new("log-interval", null, true, "updates between progress lines (default 10)"),
        new("checkpoint-interval", null, true, "updates between checkpoints (default 500)"),
        new("keep-checkpoints", null, true, "checkpoints kept (default 3)"),
        new("checkpoint-dir", null, true, "checkpoint folder (default OUT/checkpoints)"),
        new("shuffle-buffer", null, true, "windows in the shuffle buffer (default 4096)"),
        new("seed", null, true, "seed of initialisation, data order and masks (default 42)"),
        new("threads", null, true, "libtorch threads (default: libtorch's choice)"),
        CommonOptions.Device,
        TrainingMemory.Budget,
        TrainingMemory.Checkpointing,
    ];

    public int Run(ParsedArguments args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        var genomes = args.GetAll("genome");
        if (genomes.Count == 0)
        {
            throw new UsageException("'pretrain' needs --genome FILE (one or more).");
        }
        string output = args.Require("out");
        CommonOptions.CheckOutputs(
            CommonOptions.Paths(args, "genome", "validation-genome", "config", "init"),
            [.. CommonOptions.Paths(args, "out", "checkpoint-dir"), new("--out's metrics.csv", Path.Combine(output, "metrics.csv")), new("--out's loss.png", Path.Combine(output, "loss.png"))]);
        var (config, init) = Architecture(args);
        var corpus = PretrainingCorpus.FromGenomes(genomes, Split(args), args.GetAll("validation-genome"), new WindowingOptions
        {
            WindowLength = args.GetInt("window", WindowingOptions.AgroNT.WindowLength, 1),
            Overlap = args.GetInt("overlap", WindowingOptions.AgroNT.Overlap, 0),
            MaxAmbiguousFraction = Double(args, "max-n-fraction", WindowingOptions.AgroNT.MaxAmbiguousFraction, 0, 1),
            ShiftEachEpoch = args.Has("shift-windows"),
        });
        long maxSteps = Long(args, "max-steps", 1000, 1);
        var options = new PretrainingOptions
        {
            OutputFolder = output,
            Config = config,
            InitFrom = init,
            CheckpointFolder = args.Get("checkpoint-dir"),
            Resume = args.Has("resume"),
            MaxSteps = maxSteps,
            PeakLearningRate = Double(args, "lr", PretrainingDefaults.PeakLearningRate, 1e-12, 10),
            WarmupSteps = args.Has("warmup") ? Long(args, "warmup", 0, 0) : null,
            Decay = Decay(args.Get("decay")),
            MinLearningRateRatio = Double(args, "min-lr-ratio", 0, 0, 1),
            WeightDecay = Double(args, "weight-decay", PretrainingDefaults.WeightDecay, 0, 10),
            MaxGradientNorm = Double(args, "clip", PretrainingDefaults.MaxGradientNorm, 0, 1e9),
            BatchTokens = args.GetInt("batch-tokens", PretrainingDefaults.BatchTokens, 1),
            MicroBatchSize = args.GetInt("micro-batch", PretrainingDefaults.MicroBatchSize, 1, 4096),
            ActivationCheckpointing = TrainingMemory.CheckpointingMode(args),
            MaxTokens = args.Has("max-tokens") ? args.GetInt("max-tokens", 0, 2, 1 << 20) : null,
            Precision = args.Get("precision") switch
            {
                null or "fp32" => Precision.Float32,
                "bf16" => Precision.BFloat16,
                string other => throw new UsageException($"--precision must be fp32 or bf16, got '{other}'."),
            },
            ValidationWindows = args.GetInt("validation-windows", PretrainingDefaults.ValidationWindows, 1),
            ValidationMasks = args.GetInt("validation-masks", 1, 1),
            ValidationInterval = args.GetInt("validation-interval", PretrainingDefaults.ValidationInterval, 0),
            LogInterval = args.GetInt("log-interval", PretrainingDefaults.LogInterval, 1),
            CheckpointInterval = args.GetInt("checkpoint-interval", PretrainingDefaults.CheckpointInterval, 0),
            KeepCheckpoints = args.GetInt("keep-checkpoints", PretrainingDefaults.KeepCheckpoints, 1),
            ShuffleBufferWindows = args.GetInt("shuffle-buffer", PretrainingDefaults.ShuffleBufferWindows, 1),
            Seed = Long(args, "seed", PretrainingDefaults.Seed, long.MinValue),
            Device = CommonOptions.DeviceName(args),
        };
        if (args.Has("threads"))
        {
            MLNet.Native.TorchRuntime.Initialize();
            TorchSharp.torch.set_num_threads(args.GetInt("threads", 1, 1, 1024));
        }

        options = TrainingMemory.CheckPretraining(options, stderr, args.Get("memory-budget") is { } budgetText ? TrainingMemory.ParseBytes(budgetText, "--memory-budget") : null);
        PretrainingResult result;
        using (var display = CliProgress.Create(args, stderr, Name, ProgressUnit.Of("updates")))
        {
            result = new AgroNTPretrainer(options).Train(corpus, new ProgressLines(display), cancellationToken);
            if (result.Status != PretrainingStatus.Cancelled)
            {
                display.Complete();
            }
        }
        if (result.Status == PretrainingStatus.Cancelled)
        {
            stderr.WriteLine($"agront pretrain: stopped at update {result.Steps}; checkpoint {result.LastCheckpoint}. Run the same command with --resume to continue.");
            return 130;
        }
        stdout.WriteLine($"wrote {Path.GetFullPath(output)}: {result.Steps} updates, {result.Tokens:N0} tokens, {result.Elapsed:hh\\:mm\\:ss}.");
        if (result.Validation is { } v)
        {
            stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"validation: loss {v.Loss:F4} (training token frequencies alone: {v.BaselineLoss:F4}), perplexity {v.Perplexity:F1}; accuracy on the {v.SelectedTokens:N0} selected tokens {v.Accuracy:P2} vs {v.BaselineAccuracy:P2} for always '{v.BaselineToken}'; on the {v.MaskTokens:N0} <mask> positions {v.MaskAccuracy:P2} vs {v.MaskBaselineAccuracy:P2}."));
        }
        return 0;
    }

    private static (EsmConfig? Config, string? Init) Architecture(ParsedArguments args)
    {
        string? init = args.Get("init");
        string? configPath = args.Get("config");
        bool sized = new[] { "hidden", "layers", "heads", "intermediate" }.Any(args.Has);
        if (init is not null)
        {
            if (configPath is not null || sized)
            {
                throw new UsageException("--init continues an existing model: it takes its architecture from the folder, so --config and the size options do not apply.");
            }
            return (null, init);
        }
        if (configPath is null && !sized)
        {
            throw new UsageException("give --config config.json or sizes (--hidden --layers --heads --intermediate) to train from scratch, or --init DIR to continue a model.");
        }
        var config = configPath is null ? EsmConfig.AgroNT1B : EsmConfig.FromFile(configPath);
        config = config with
        {
            HiddenSize = args.GetInt("hidden", config.HiddenSize, 1),
            NumHiddenLayers = args.GetInt("layers", config.NumHiddenLayers, 1),
            NumAttentionHeads = args.GetInt("heads", config.NumAttentionHeads, 1),
            IntermediateSize = args.GetInt("intermediate", config.IntermediateSize, 1),
        };
        config.Validate("the requested architecture");
        return (config, null);
    }

    private static ValidationSplit Split(ParsedArguments args)
    {
        int regionLength = args.GetInt("region-length", ValidationSplit.DefaultRegionLength, 1000);
        var records = args.GetAll("validation-record");
        if (records.Count > 0 && args.Has("validation-fraction"))
        {
            throw new UsageException("give either --validation-record or --validation-fraction, not both.");
        }
        if (records.Count > 0)
        {
            return ValidationSplit.ByRecord(records).WithRegionLength(regionLength);
        }
        if (args.Has("validation-fraction"))
        {
            double fraction = Double(args, "validation-fraction", 0.05, 0, 1);
            return fraction == 0 ? ValidationSplit.None.WithRegionLength(regionLength) : ValidationSplit.ByRegion(fraction, regionLength);
        }
        return args.GetAll("validation-genome").Count > 0 ? ValidationSplit.None.WithRegionLength(regionLength) : ValidationSplit.ByRegion(0.05, regionLength);
    }

    private static LearningRateDecay Decay(string? text) => text switch
    {
        null => PretrainingDefaults.Decay,
        "inverse-sqrt" or "inverse-square-root" => LearningRateDecay.InverseSquareRoot,
        "cosine" => LearningRateDecay.Cosine,
        "linear" => LearningRateDecay.Linear,
        "constant" => LearningRateDecay.Constant,
        _ => throw new UsageException($"--decay must be inverse-sqrt, cosine, linear or constant, got '{text}'."),
    };

    private static double Double(ParsedArguments args, string name, double defaultValue, double min, double max)
    {
        string? text = args.Get(name);
        if (text is null)
        {
            return defaultValue;
        }
        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) && value >= min && value <= max
            ? value
            : throw new UsageException($"--{name} must be a number between {min.ToString(CultureInfo.InvariantCulture)} and {max.ToString(CultureInfo.InvariantCulture)}, got '{text}'.");
    }

    private static long Long(ParsedArguments args, string name, long defaultValue, long min)
    {
        string? text = args.Get(name);
        if (text is null)
        {
            return defaultValue;
        }
        return long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out long value) && value >= min
            ? value
            : throw new UsageException($"--{name} must be an integer of at least {min}, got '{text}'.");
    }

    /// <summary>
    /// Step reports move the progress display (a bar, or the library's own log line every --log-interval updates);
    /// the others (start, validation, checkpoint, warning) are printed as lines. On the training thread.
    /// </summary>
    private sealed class ProgressLines(CliProgress display) : IProgress<PretrainingProgress>
    {
        public void Report(PretrainingProgress value)
        {
            string prefix = value.Event == PretrainingEvent.Warning ? "agront pretrain: warning: " : "agront pretrain: ";
            if (value.Event == PretrainingEvent.Step)
            {
                display.ReportLogged(value.Step, value.MaxSteps > 0 ? value.MaxSteps : null,
                    string.Create(CultureInfo.InvariantCulture, $"loss {value.TrainingLoss:0.####}, {value.TokensPerSecond:N0} tokens/s"), prefix + value.Message);
            }
            else
            {
                display.WriteLine(prefix + value.Message);
            }
        }
    }
}
