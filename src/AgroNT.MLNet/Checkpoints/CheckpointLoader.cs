using System.Diagnostics;
using TorchSharp;
using static TorchSharp.torch;

namespace AgroNT.MLNet.Checkpoints;

/// <summary>
/// Loads a Hugging Face checkpoint into existing TorchSharp tensors or a module, in place. Everything is checked
/// first (missing, unexpected and mis-shaped tensors are reported together in one
/// <see cref="CheckpointMismatchException"/>, and nothing is touched); then each tensor is copied from the
/// memory-mapped file straight into the target's memory, so a load needs the weights once plus a small window.
/// </summary>
public static class CheckpointLoader
{
    /// <summary>
    /// Fills <paramref name="targets"/> (state-dict key to tensor) from the checkpoint in <paramref name="modelFolder"/>.
    /// </summary>
    /// <param name="targets">The tensors to fill, by the checkpoint's key names; their shapes must match.</param>
    /// <param name="modelFolder">
    /// A Hugging Face model folder, a weight file, or a Hub id (<c>ORG/NAME[@revision]</c>) in the local cache.
    /// </param>
    /// <param name="options">Format choice, ignore patterns, key prefix, window size, progress; <see langword="null"/> for the defaults.</param>
    /// <param name="cancellationToken">Stops between windows; tensors already copied keep their new values.</param>
    /// <exception cref="CheckpointMismatchException">The checkpoint does not fit the targets (nothing was copied).</exception>
    /// <exception cref="CheckpointFormatException">The weight file is damaged or refused.</exception>
    /// <exception cref="FileNotFoundException">The folder holds no weights.</exception>
    /// <exception cref="DirectoryNotFoundException">No such folder, and no such model in the Hugging Face cache.</exception>
    public static CheckpointLoadResult LoadInto(
        IReadOnlyDictionary<string, Tensor> targets,
        string modelFolder,
        CheckpointLoadOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(targets);
        ArgumentException.ThrowIfNullOrWhiteSpace(modelFolder);
        options ??= new CheckpointLoadOptions();
        var stopwatch = Stopwatch.StartNew();
        using CheckpointReader reader = CheckpointReader.Open(modelFolder, options.Format);
        return Load(targets, reader, options, stopwatch, cancellationToken);
    }

    /// <summary>
    /// Fills a module's parameters and persistent buffers (<c>named_parameters()</c> and
    /// <c>named_buffers(include_nonpersistent: false)</c>, whose names are the state-dict keys) from the checkpoint in
    /// <paramref name="modelFolder"/>. The module may be on any device and in any floating type (bf16 included).
    /// </summary>
    /// <param name="module">The module; its tensors are filled in place.</param>
    /// <param name="modelFolder">A Hugging Face model folder, a weight file, or a Hub id in the local cache.</param>
    /// <param name="options">Format choice, ignore patterns, key prefix, window size, progress; <see langword="null"/> for the defaults.</param>
    /// <param name="cancellationToken">Stops between windows; tensors already copied keep their new values.</param>
    /// <exception cref="CheckpointMismatchException">The checkpoint does not fit the module (nothing was copied).</exception>
    public static CheckpointLoadResult LoadInto(
        nn.Module module,
        string modelFolder,
        CheckpointLoadOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(module);
        return LoadInto(StateTensors(module), modelFolder, ForModule(module, options ?? new CheckpointLoadOptions()), cancellationToken);
    }

    /// <summary>Fills <paramref name="targets"/> from an already open checkpoint (<see cref="CheckpointLoadOptions.Format"/> is not used).</summary>
    /// <param name="targets">The tensors to fill, by the checkpoint's key names; their shapes must match.</param>
    /// <param name="reader">The open checkpoint; it stays open.</param>
    /// <param name="options">Ignore patterns, key prefix, window size, progress; <see langword="null"/> for the defaults.</param>
    /// <param name="cancellationToken">Stops between windows; tensors already copied keep their new values.</param>
    /// <exception cref="CheckpointMismatchException">The checkpoint does not fit the targets (nothing was copied).</exception>
    public static CheckpointLoadResult LoadInto(
        IReadOnlyDictionary<string, Tensor> targets,
        CheckpointReader reader,
        CheckpointLoadOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(targets);
        ArgumentNullException.ThrowIfNull(reader);
        return Load(targets, reader, options ?? new CheckpointLoadOptions(), Stopwatch.StartNew(), cancellationToken);
    }

    /// <summary>
    /// Adds what an ESM network's own variant lets a checkpoint have or lack: a tied model ignores a stored
    /// <c>lm_head.decoder.weight</c> (pytorch_model.bin keeps the shared tensor under both names), and a rotary model
    /// may lack the <c>inv_freq</c> buffers (it computes the same float32 values itself).
    /// </summary>
    internal static CheckpointLoadOptions ForModule(nn.Module module, CheckpointLoadOptions options)
    {
        if (module is not Modeling.EsmForMaskedLM network)
        {
            return options;
        }
        string prefix = options.CheckpointKeyPrefix ?? "";
        IReadOnlyList<string> unexpected = network.LMHead.IsTied
            ? [.. options.IgnoredUnexpectedKeys, prefix + Modeling.EsmForMaskedLM.TiedDecoderKey]
            : options.IgnoredUnexpectedKeys;
        IReadOnlyList<string> missing = network.Config.IsRotary
            ? [.. options.IgnoredMissingKeys, "*.rotary_embeddings." + Modeling.EsmRotaryEmbedding.BufferName]
            : options.IgnoredMissingKeys;
        // A copy with two settings changed: a field-by-field copy here once dropped AllowNonFiniteWeights.
        return options with { IgnoredUnexpectedKeys = unexpected, IgnoredMissingKeys = missing };
    }

    /// <summary>A module's parameters and persistent buffers by state-dict key (the module keeps owning them).</summary>
    internal static Dictionary<string, Tensor> StateTensors(nn.Module module)
    {
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach ((string name, TorchSharp.Modules.Parameter parameter) in module.named_parameters())
        {
            tensors.TryAdd(name, parameter);
        }
        foreach ((string name, Tensor buffer) in module.named_buffers(recurse: true, include_nonpersistent: false))
        {
            tensors.TryAdd(name, buffer);
        }
        return tensors;
    }

    private static CheckpointLoadResult Load(
        IReadOnlyDictionary<string, Tensor> targets,
        CheckpointReader reader,
        CheckpointLoadOptions options,
        Stopwatch stopwatch,
        CancellationToken cancellationToken)
    {
        List<(CheckpointTensorInfo Info, Tensor Target)> plan = Match(targets, reader, options, out List<string> skipped, out List<string> unloaded);

        long total = plan.Sum(p => p.Info.ByteCount);
        long done = 0;
        int mapped = 0;
        using (var mapper = options.MapWeights ? new WeightMapper() : null)
        {
            for (int i = 0; i < plan.Count; i++)
            {
                (CheckpointTensorInfo info, Tensor target) = plan[i];
                cancellationToken.ThrowIfCancellationRequested();
                if (mapper is not null && mapper.TryPoint(reader.GetSource(info.Name), target))
                {
                    mapped++;
                }
                else
                {
                    reader.CopyTo(info.Name, target, options.ChunkBytes, cancellationToken);
                }
                done += info.ByteCount;
                options.Progress?.Report(new CheckpointLoadProgress(i + 1, plan.Count, done, total, info.Name));
            }
        }
        var nonFinite = new List<string>();
        if (!options.AllowNonFiniteWeights)
        {
            long[] counts = CountNonFinite(plan.Select(p => p.Target).ToList());
            for (int i = 0; i < plan.Count; i++)
            {
                if (counts[i] > 0)
                {
                    nonFinite.Add($"{plan[i].Info.Name} ({counts[i]:N0} of {plan[i].Target.numel():N0} values)");
                }
            }
        }
        if (nonFinite.Count > 0)
        {
            throw new CheckpointFormatException(reader.Location,
                $"{nonFinite.Count} tensor(s) hold NaN or infinite values: {string.Join(", ", nonFinite.Take(10))}{(nonFinite.Count > 10 ? ", ..." : "")}. " +
                "A model with them computes NaN. The file is damaged or was saved from a diverged training run; download or " +
                "re-save it, or set CheckpointLoadOptions.AllowNonFiniteWeights (AgroNTModelOptions.AllowNonFiniteWeights, " +
                "--allow-non-finite-weights on the command line) to load it anyway.");
        }
        return new CheckpointLoadResult(reader.Location, reader.Format, plan.Count, total, skipped, unloaded, stopwatch.Elapsed)
        {
            MappedTensorCount = mapped,
        };
    }

    /// <summary>
    /// How many NaN or infinite values each tensor holds (0 for integer tensors). Contiguous CPU tensors are scanned
    /// in place, vectorised and in parallel (for mapped weights this scan is what reads the file); others through libtorch.
    /// </summary>
    private static long[] CountNonFinite(IReadOnlyList<Tensor> tensors)
    {
        var counts = new long[tensors.Count];
        var regions = new List<(nint Pointer, long Bytes, ScalarType DType)>();
        var regionOwners = new List<int>();
        for (int i = 0; i < tensors.Count; i++)
        {
            Tensor tensor = tensors[i];
            if (!tensor.is_floating_point() || tensor.numel() == 0)
            {
                continue;
            }
            long bytes = tensor.numel() * tensor.ElementSize;
            if (tensor.device_type == DeviceType.CPU && tensor.is_contiguous() && WeightKernels.CanScan(tensor.dtype) && bytes <= int.MaxValue)
            {
                regions.Add((WeightKernels.DataPointer(tensor), bytes, tensor.dtype));
                regionOwners.Add(i);
            }
            else
            {
                using var scope = torch.NewDisposeScope();
                using var noGrad = torch.no_grad();
                counts[i] = tensor.isfinite().logical_not().sum().item<long>();
            }
        }
        long[] scanned = WeightKernels.CountNonFinite(regions);
        for (int r = 0; r < scanned.Length; r++)
        {
            counts[regionOwners[r]] = scanned[r];
        }
        return counts;
    }

    /// <summary>Pairs checkpoint tensors with targets, in file order; throws one exception for every disagreement.</summary>
    private static List<(CheckpointTensorInfo Info, Tensor Target)> Match(
        IReadOnlyDictionary<string, Tensor> targets,
        CheckpointReader reader,
        CheckpointLoadOptions options,
        out List<string> skipped,
        out List<string> unloaded)
    {
        string prefix = options.CheckpointKeyPrefix ?? "";
        var plan = new List<(CheckpointTensorInfo, Tensor)>();
        var matched = new HashSet<string>(StringComparer.Ordinal);
        var unexpected = new List<string>();
        var misShaped = new List<CheckpointShapeMismatch>();
        skipped = [];
        foreach (CheckpointTensorInfo info in reader.Tensors)
        {
            if (!info.Name.StartsWith(prefix, StringComparison.Ordinal))
            {
                skipped.Add(info.Name);
                continue;
            }
            string key = info.Name[prefix.Length..];
            if (!targets.TryGetValue(key, out Tensor? target))
            {
                (KeyPattern.MatchesAny(options.IgnoredUnexpectedKeys, info.Name) ? skipped : unexpected).Add(info.Name);
                continue;
            }
            matched.Add(key);
            long[] shape = target.shape;
            if (!shape.SequenceEqual(info.Shape))
            {
                misShaped.Add(new CheckpointShapeMismatch(key, shape, info.Shape));
                continue;
            }
            plan.Add((info, target));
        }

        var missing = new List<string>();
        unloaded = [];
        foreach (string key in targets.Keys)
        {
            if (!matched.Contains(key))
            {
                (KeyPattern.MatchesAny(options.IgnoredMissingKeys, key) ? unloaded : missing).Add(key);
            }
        }
        if (missing.Count > 0 || unexpected.Count > 0 || misShaped.Count > 0)
        {
            missing.Sort(StringComparer.Ordinal);
            unexpected.Sort(StringComparer.Ordinal);
            misShaped.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
            throw new CheckpointMismatchException(reader.Location, missing, unexpected, misShaped);
        }
        return plan;
    }
}
