using System.Globalization;
using AgroNT.MLNet.Modeling;
using AgroNT.MLNet.Training;
using AgroNT.MLNet.Training.FineTuning;
using AgroNT.Transforms.Benchmarks;
using AgroNT.Transforms.ModelFolders;
using AgroNT.Transforms.Tokenization;

namespace AgroNT.Cli;

/// <summary>
/// <c>--micro-batch</c>, <c>--activation-checkpointing</c> and <c>--memory-budget</c> of <c>agront finetune</c>, and the
/// memory check that refuses a run which cannot fit before the model is loaded.
/// </summary>
internal static class TrainingMemory
{
    public static readonly OptionSpec MicroBatch = new("micro-batch", null, true,
        "sequences per forward/backward pass; --batch-size is split into micro-batches whose gradients accumulate (default: the whole batch)");

    public static readonly OptionSpec Checkpointing = new("activation-checkpointing", null, true,
        "auto (default: on when a step's activations would not fit), on (recompute each layer in the backward pass) or off");

    public static readonly OptionSpec Budget = new("memory-budget", null, true,
        "memory the run may use, e.g. 16GiB, 12000MiB or 8GB (default: the memory available now)");

    public static readonly OptionSpec Precision = new("precision", null, true,
        "fp32 (default) or bf16: a bfloat16 encoder (half the memory) with float32 trained parameters; ia3 and lora only");

    /// <summary>Reads --activation-checkpointing (auto when absent).</summary>
    public static ActivationCheckpointing CheckpointingMode(ParsedArguments args) => args.Get("activation-checkpointing") switch
    {
        null or "auto" => ActivationCheckpointing.Auto,
        "on" => ActivationCheckpointing.On,
        "off" => ActivationCheckpointing.Off,
        var other => throw new UsageException($"--activation-checkpointing must be auto, on or off, got '{other}'."),
    };

    /// <summary>Reads the memory options and --precision into <paramref name="options"/>.</summary>
    public static FineTuningOptions Apply(ParsedArguments args, FineTuningOptions options)
    {
        var mode = CheckpointingMode(args);
        var precision = args.Get("precision") switch
        {
            null or "fp32" => MLNet.Precision.Float32,
            "bf16" when options.Method != FineTuningMethod.Full => MLNet.Precision.BFloat16,
            "bf16" => throw new UsageException("--precision bf16 applies to --method ia3 and lora; full fine-tuning trains every weight in float32."),
            var other => throw new UsageException($"--precision must be fp32 or bf16, got '{other}'."),
        };
        return options with
        {
            Precision = precision,
            MicroBatchSize = args.Has("micro-batch") ? args.GetInt("micro-batch", 0, 1, 4096) : null,
            ActivationCheckpointing = mode,
            MemoryBudgetBytes = args.Get("memory-budget") is { } text ? ParseBytes(text, "--memory-budget") : null,
        };
    }

    /// <summary>
    /// Prints the expected peak of fine-tuning <paramref name="modelFolderOrHubId"/> on <paramref name="train"/> and
    /// throws when it exceeds the budget, suggesting a <c>--micro-batch</c> (and checkpointing) that fits.
    /// </summary>
    /// <exception cref="InsufficientMemoryException">The run would not fit.</exception>
    public static void Check(string verb, string modelFolderOrHubId, FineTuningOptions options, BenchmarkDataView train, TextWriter stderr)
    {
        var folder = ModelFolder.Open(modelFolderOrHubId);
        if (!File.Exists(folder.ConfigPath))
        {
            return;
        }
        var config = EsmConfig.FromFile(folder.Path);
        // The longest sequence by length, tokenized as training will (Error refuses it here rather than after the model loads).
        string longest = "";
        foreach (var example in train.ReadExamples())
        {
            if (example.Sequence.Length > longest.Length)
            {
                longest = example.Sequence;
            }
        }
        var tokenizer = KmerTokenizer.Create(folder.Path, options.Tokenizer);
        int tokens = tokenizer.EncodeToIds(longest, "the longest training sequence").Length;
        long budget = options.MemoryBudgetBytes ?? MemoryEstimate.AvailableBytes();
        var plain = MemoryEstimate.ForFineTuning(config, options, tokens, train.LabelCount, checkpointing: false);
        bool checkpointing = options.ActivationCheckpointing == ActivationCheckpointing.On
            || (options.ActivationCheckpointing == ActivationCheckpointing.Auto && plain.TotalBytes > budget);
        var estimate = checkpointing ? MemoryEstimate.ForFineTuning(config, options, tokens, train.LabelCount, checkpointing: true) : plain;
        string source = options.MemoryBudgetBytes is null ? "available" : "--memory-budget";
        stderr.WriteLine($"agront {verb}: expected peak memory {estimate} for batch {options.BatchSize}; {MemoryEstimate.FormatBytes(budget)} {source}");
        if (estimate.TotalBytes <= budget)
        {
            return;
        }
        var suggestion = MemoryEstimate.Suggest(config, options, tokens, train.LabelCount, budget, options.ActivationCheckpointing);
        string advice;
        if (suggestion is { } s)
        {
            var fits = MemoryEstimate.ForFineTuning(config, options with { MicroBatchSize = s.MicroBatchSize }, tokens, train.LabelCount, s.Checkpointing);
            advice = $"use --micro-batch {s.MicroBatchSize}"
                + (s.Checkpointing && options.ActivationCheckpointing != ActivationCheckpointing.On ? " --activation-checkpointing on" : "")
                + $" (expected {MemoryEstimate.FormatBytes(fits.TotalBytes)}; --batch-size {options.BatchSize} stays the optimisation batch)";
        }
        else
        {
            var least = MemoryEstimate.ForFineTuning(config, options with { MicroBatchSize = 1 }, tokens, train.LabelCount,
                options.ActivationCheckpointing != ActivationCheckpointing.Off);
            advice = $"not even --micro-batch 1{(least.Checkpointing ? " with checkpointing" : "")} fits ({MemoryEstimate.FormatBytes(least.TotalBytes)}): "
                + "free memory, raise --memory-budget, use shorter sequences, or a machine with more memory";
        }
        throw new InsufficientMemoryException(
            $"fine-tuning would need about {MemoryEstimate.FormatBytes(estimate.TotalBytes)} but {MemoryEstimate.FormatBytes(budget)} is {source}; {advice}.");
    }

    /// <summary>
    /// Prints the expected peak of <c>agront pretrain</c> and throws when it exceeds the budget, suggesting the largest
    /// <c>--micro-batch</c> (and activation checkpointing) that fits; returns the options with
    /// <c>--activation-checkpointing auto</c> decided against the same budget.
    /// </summary>
    /// <exception cref="InsufficientMemoryException">The run would not fit.</exception>
    public static PretrainingOptions CheckPretraining(PretrainingOptions options, TextWriter stderr, long? budgetBytes)
    {
        EsmConfig? config = options.Config;
        if (config is null && options.InitFrom is { } init)
        {
            var folder = ModelFolder.Open(init);
            config = File.Exists(folder.ConfigPath) ? EsmConfig.FromFile(folder.Path) : null;
        }
        config ??= EsmConfig.AgroNT1B;
        // An absurd architecture is refused with its own figures first.
        MLNet.AgroNTModelInfo.EnsureWeightsFit(config, null, null);
        int tokens = Math.Min(options.MaxTokens ?? config.MaxTokens, config.MaxTokens);
        long budget = budgetBytes ?? MemoryEstimate.AvailableBytes();
        string source = budgetBytes is null ? "available" : "--memory-budget";
        var plain = MemoryEstimate.ForPretraining(config, options.MicroBatchSize, tokens, options.Precision);
        bool checkpointing = options.ActivationCheckpointing == ActivationCheckpointing.On
            || (options.ActivationCheckpointing == ActivationCheckpointing.Auto && plain.TotalBytes > budget);
        var estimate = checkpointing ? MemoryEstimate.ForPretraining(config, options.MicroBatchSize, tokens, options.Precision, checkpointing: true) : plain;
        stderr.WriteLine($"agront pretrain: expected peak memory {estimate}; {MemoryEstimate.FormatBytes(budget)} {source}");
        if (estimate.TotalBytes <= budget)
        {
            // Auto is decided here, against the same budget the estimate was checked against.
            return options with { ActivationCheckpointing = checkpointing ? ActivationCheckpointing.On : ActivationCheckpointing.Off };
        }
        // Off is the user's choice for this run, but checkpointing is still suggested when only it fits.
        bool[] modes = options.ActivationCheckpointing == ActivationCheckpointing.On ? [true] : [false, true];
        var fits = modes.SelectMany(mode => Enumerable.Range(1, options.MicroBatchSize).Reverse().Select(micro => (Micro: micro, Checkpointing: mode)))
            .Where(c => c.Micro < options.MicroBatchSize || c.Checkpointing != checkpointing)
            .FirstOrDefault(c => MemoryEstimate.ForPretraining(config, c.Micro, tokens, options.Precision, c.Checkpointing).TotalBytes <= budget);
        string advice = fits.Micro > 0
            ? $"use --micro-batch {fits.Micro}{(fits.Checkpointing && options.ActivationCheckpointing == ActivationCheckpointing.Off ? " --activation-checkpointing on" : "")} (--batch-tokens stays the update's size)"
            : "not even --micro-batch 1 with activation checkpointing"
                + " fits: use a smaller model (--hidden, --layers), shorter windows (--max-tokens), or a machine with more memory";
        throw new InsufficientMemoryException(
            $"pretraining would need about {MemoryEstimate.FormatBytes(estimate.TotalBytes)} but {MemoryEstimate.FormatBytes(budget)} is {source}; {advice}.");
    }

    /// <summary>Parses <c>16GiB</c>, <c>12000MiB</c>, <c>8GB</c>, <c>512M</c> or a plain byte count.</summary>
    public static long ParseBytes(string text, string option)
    {
        string trimmed = text.Trim();
        int split = 0;
        while (split < trimmed.Length && (char.IsAsciiDigit(trimmed[split]) || trimmed[split] == '.'))
        {
            split++;
        }
        string unit = trimmed[split..].Trim().ToUpperInvariant();
        double multiplier = unit switch
        {
            "" or "B" => 1,
            "K" or "KIB" => 1L << 10,
            "M" or "MIB" => 1L << 20,
            "G" or "GIB" => 1L << 30,
            "T" or "TIB" => 1L << 40,
            "KB" => 1e3,
            "MB" => 1e6,
            "GB" => 1e9,
            "TB" => 1e12,
            _ => double.NaN,
        };
        if (split == 0 || double.IsNaN(multiplier) || !double.TryParse(trimmed[..split], NumberStyles.Float, CultureInfo.InvariantCulture, out double value)
            || value <= 0 || value * multiplier >= long.MaxValue)
        {
            throw new UsageException($"{option} must be a size such as 16GiB, 12000MiB or 8GB, got '{text}'.");
        }
        return (long)(value * multiplier);
    }
}
