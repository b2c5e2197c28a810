using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using AgroNT.Transforms.IO;
using TorchSharp.Modules;

namespace AgroNT.MLNet.Training.Checkpointing;

/// <summary>A complete checkpoint found on disk.</summary>
/// <param name="Folder">Its folder (<c>step-00000100</c>).</param>
/// <param name="Step">Its update count.</param>
internal sealed record TrainingCheckpoint(string Folder, long Step)
{
    public string ModelPath => Path.Combine(Folder, TrainingCheckpointStore.ModelFileName);

    public string OptimizerPath => Path.Combine(Folder, TrainingCheckpointStore.OptimizerFileName);

    public string StatePath => Path.Combine(Folder, TrainingCheckpointStore.StateFileName);
}

/// <summary>
/// The one checkpoint/resume store of both trainers (pretraining and fine-tuning). Training checkpoints in one folder,
/// one sub-folder per checkpoint (<c>step-00000100/</c>): the weights (<c>model.safetensors</c>, Hugging Face names),
/// the optimiser state (<c>optimizer.bin</c>, TorchSharp's exact binary state), the typed, versioned trainer state
/// (<c>trainer_state.json</c>, a <see cref="TrainerState"/>) and, written last, <c>manifest.json</c> with each file's
/// size and SHA-256. Each file is written through <see cref="StagedFile"/>, and the checkpoint is assembled under a
/// temporary name and renamed into place, so a crash leaves either a complete checkpoint or a temporary folder that is
/// ignored (and removed later). Resuming verifies every size and hash (a file cut short or altered afterwards is
/// detected and the previous checkpoint used), reads the state and refuses settings that differ
/// (<see cref="ResumeSettings"/>).
/// </summary>
internal sealed class TrainingCheckpointStore
{
    public const string ModelFileName = "model.safetensors";
    public const string OptimizerFileName = "optimizer.bin";
    public const string StateFileName = "trainer_state.json";
    public const string ManifestFileName = "manifest.json";
    private const string Prefix = "step-";
    private const string TemporaryMarker = ".tmp-";
    /// <summary>The manifest format name of pretraining checkpoints.</summary>
    public const string PretrainingFormat = "AgroNT.PretrainingCheckpoint";
    /// <summary>The manifest format name of fine-tuning checkpoints.</summary>
    public const string FineTuningFormat = "AgroNT.FineTuningCheckpoint";
    private const int FormatVersion = 1;
    private static readonly JsonSerializerOptions s_indented = new() { WriteIndented = true };
    private readonly string _format;

    /// <summary>Opens a checkpoint folder whose manifests carry <paramref name="format"/> (pretraining by default).</summary>
    public TrainingCheckpointStore(string folder, string format = PretrainingFormat)
    {
        Folder = Path.GetFullPath(folder);
        _format = format;
    }

    public string Folder { get; }

    private string Kind => _format == FineTuningFormat ? "fine-tuning" : "pretraining";

    /// <summary>
    /// Writes a checkpoint of <paramref name="state"/>: <paramref name="writeWeights"/> writes the weights into the
    /// checkpoint's (temporary) folder, then the optimisers' state and the trainer state are added.
    /// </summary>
    public TrainingCheckpoint Save(TrainerState state, IReadOnlyList<OptimizerHelper> optimizers, Action<string> writeWeights) =>
        Save(state.Step, folder =>
        {
            writeWeights(folder);
            StagedFile.Write(Path.Combine(folder, OptimizerFileName), stream =>
            {
                using var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true);
                foreach (var optimizer in optimizers)
                {
                    optimizer.save_state_dict(writer);
                }
            });
            StagedFile.WriteAllText(Path.Combine(folder, StateFileName), state.ToJson().ToJsonString(s_indented));
        });

    /// <summary>
    /// Refuses to start a run over checkpoints of an earlier one (it would mix two runs' checkpoints).
    /// </summary>
    /// <exception cref="InvalidOperationException">The folder holds checkpoints.</exception>
    public void RefuseExisting()
    {
        if (List().Count > 0)
        {
            throw new InvalidOperationException(
                $"{Folder} already holds {Kind} checkpoints of an earlier run: continue it with Resume (--resume), or choose another checkpoint folder.");
        }
    }

    /// <summary>
    /// The newest complete checkpoint and its state, after checking that it was written with <paramref name="current"/>
    /// settings; null when the folder holds none. Damaged checkpoints passed over are reported through <paramref name="warn"/>.
    /// </summary>
    /// <param name="current">This run's settings.</param>
    /// <param name="advice">What to keep the same, ending the message of a refusal.</param>
    /// <param name="warn">Receives one line per damaged checkpoint passed over.</param>
    /// <exception cref="InvalidOperationException">The checkpoint was written with other settings; the message names each differing option.</exception>
    /// <exception cref="InvalidDataException">The state file was written by a newer library.</exception>
    public (TrainingCheckpoint Checkpoint, TState State)? LoadNewest<TState>(ResumeSettings current, string advice, Action<string> warn)
        where TState : TrainerState, ITrainerState<TState>
    {
        var checkpoint = FindNewestComplete(warn);
        if (checkpoint is null)
        {
            return null;
        }
        var json = JsonNode.Parse(File.ReadAllText(checkpoint.StatePath)) as JsonObject
            ?? throw new InvalidDataException($"{checkpoint.StatePath} is not a JSON object.");
        TrainerState.CheckVersion(json, checkpoint.StatePath);
        var state = TState.FromJson(json);
        current.EnsureMatches(state.Settings, checkpoint.Folder, advice);
        return (checkpoint, state);
    }

    /// <summary>Loads the optimisers' state of a checkpoint, in the order <see cref="Save(TrainerState, IReadOnlyList{OptimizerHelper}, Action{string})"/> wrote it.</summary>
    public static void LoadOptimizers(TrainingCheckpoint checkpoint, IReadOnlyList<OptimizerHelper> optimizers)
    {
        using var stream = File.OpenRead(checkpoint.OptimizerPath);
        using var reader = new BinaryReader(stream);
        foreach (var optimizer in optimizers)
        {
            optimizer.load_state_dict(reader);
        }
    }

    /// <summary>Writes a checkpoint: <paramref name="writeFiles"/> fills a temporary folder, then the manifest is added and the folder renamed.</summary>
    public TrainingCheckpoint Save(long step, Action<string> writeFiles)
    {
        Directory.CreateDirectory(Folder);
        string name = Name(step);
        string temporary = Path.Combine(Folder, $"{name}{TemporaryMarker}{Guid.NewGuid():N}");
        Directory.CreateDirectory(temporary);
        try
        {
            writeFiles(temporary);
            var files = new JsonArray();
            foreach (string path in Directory.GetFiles(temporary).Order(StringComparer.Ordinal))
            {
                files.Add(new JsonObject
                {
                    ["name"] = Path.GetFileName(path),
                    ["bytes"] = new FileInfo(path).Length,
                    ["sha256"] = Hash(path),
                });
            }
            var manifest = new JsonObject { ["format"] = _format, ["formatVersion"] = FormatVersion, ["step"] = step, ["files"] = files };
            StagedFile.WriteAllText(Path.Combine(temporary, ManifestFileName), manifest.ToJsonString(s_indented));
            string final = Path.Combine(Folder, name);
            if (Directory.Exists(final))
            {
                Directory.Delete(final, recursive: true);
            }
            Directory.Move(temporary, final);
            return new TrainingCheckpoint(final, step);
        }
        catch
        {
            TryDelete(temporary);
            throw;
        }
    }

    /// <summary>Complete checkpoint folders by step, newest first (not verified).</summary>
    public IReadOnlyList<TrainingCheckpoint> List()
    {
        if (!Directory.Exists(Folder))
        {
            return [];
        }
        var found = new List<TrainingCheckpoint>();
        foreach (string directory in Directory.GetDirectories(Folder, Prefix + "*"))
        {
            string name = Path.GetFileName(directory);
            if (name.Contains(TemporaryMarker, StringComparison.Ordinal))
            {
                continue;
            }
            if (long.TryParse(name.AsSpan(Prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out long step))
            {
                found.Add(new TrainingCheckpoint(directory, step));
            }
        }
        return found.OrderByDescending(c => c.Step).ToArray();
    }

    /// <summary>
    /// The newest checkpoint that passes <see cref="Verify"/>; each damaged one passed over is reported through
    /// <paramref name="warn"/>. Null when there is none.
    /// </summary>
    public TrainingCheckpoint? FindNewestComplete(Action<string> warn)
    {
        foreach (var checkpoint in List())
        {
            string? problem = Verify(checkpoint, _format);
            if (problem is null)
            {
                return checkpoint;
            }
            warn($"checkpoint {Path.GetFileName(checkpoint.Folder)} is damaged ({problem}); trying the previous one.");
        }
        return null;
    }

    /// <summary>Checks the manifest and every file's size and hash; returns what is wrong, or null.</summary>
    public static string? Verify(TrainingCheckpoint checkpoint, string format = PretrainingFormat)
    {
        string manifestPath = Path.Combine(checkpoint.Folder, ManifestFileName);
        if (!File.Exists(manifestPath))
        {
            return "no manifest.json";
        }
        JsonObject manifest;
        try
        {
            manifest = JsonNode.Parse(File.ReadAllText(manifestPath)) as JsonObject ?? throw new JsonException("not an object");
        }
        catch (JsonException e)
        {
            return $"manifest.json is not valid JSON: {e.Message}";
        }
        if (manifest["format"]?.GetValue<string>() is var found && found != format)
        {
            return $"manifest.json is a '{found}' manifest, not '{format}'";
        }
        if (manifest["formatVersion"]?.GetValue<int>() is not int version || version > FormatVersion)
        {
            return $"manifest.json has format version {manifest["formatVersion"]}, newer than this library's {FormatVersion}";
        }
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var entry in manifest["files"]?.AsArray() ?? [])
        {
            string name = entry!["name"]!.GetValue<string>();
            names.Add(name);
            string path = Path.Combine(checkpoint.Folder, name);
            if (!File.Exists(path))
            {
                return $"{name} is missing";
            }
            long expected = entry["bytes"]!.GetValue<long>();
            long actual = new FileInfo(path).Length;
            if (actual != expected)
            {
                return $"{name} is {actual:N0} bytes, the manifest says {expected:N0}";
            }
            if (Hash(path) != entry["sha256"]!.GetValue<string>())
            {
                return $"{name} does not match its SHA-256 in the manifest";
            }
        }
        foreach (string required in new[] { ModelFileName, OptimizerFileName, StateFileName })
        {
            if (!names.Contains(required))
            {
                return $"the manifest does not list {required}";
            }
        }
        return null;
    }

    /// <summary>Deletes all but the newest <paramref name="keep"/> checkpoints, and leftover temporary folders.</summary>
    public void Prune(int keep)
    {
        foreach (var old in List().Skip(keep))
        {
            TryDelete(old.Folder);
        }
        if (Directory.Exists(Folder))
        {
            foreach (string leftover in Directory.GetDirectories(Folder, Prefix + "*" + TemporaryMarker + "*"))
            {
                TryDelete(leftover);
            }
        }
    }

    private static string Name(long step) => string.Create(CultureInfo.InvariantCulture, $"{Prefix}{step:D8}");

    private static string Hash(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    private static void TryDelete(string folder)
    {
        try
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
