using System.Text.Json.Nodes;

namespace AgroNT.MLNet.Training.Checkpointing;

/// <summary>
/// The scalar state of a training run at a checkpoint (<c>trainer_state.json</c>), shared by both trainers: the update
/// count, the training time so far and the settings a resume must match, plus what each trainer adds
/// (<see cref="PretrainingState"/>, <see cref="FineTuningState"/>). Versioned by <c>stateVersion</c>; a file without it
/// is version 1 (written before the field existed), whose fields are the same and read unchanged.
/// </summary>
/// <param name="Step">Updates done.</param>
/// <param name="ElapsedSeconds">Training time so far.</param>
/// <param name="Settings">The settings a resumed run must share (<see cref="ResumeSettings.ToJson"/>).</param>
internal abstract record TrainerState(long Step, double ElapsedSeconds, JsonObject Settings)
{
    /// <summary>The version this library writes.</summary>
    public const int CurrentVersion = 2;

    /// <summary>The state as <c>trainer_state.json</c> holds it.</summary>
    public JsonObject ToJson()
    {
        var json = new JsonObject { ["stateVersion"] = CurrentVersion, ["step"] = Step };
        WriteFields(json);
        json["elapsedSeconds"] = ElapsedSeconds;
        json["settings"] = Settings.DeepClone();
        return json;
    }

    /// <summary>Adds the trainer's own fields.</summary>
    protected abstract void WriteFields(JsonObject json);

    /// <summary>The version of a state file, refusing one newer than this library.</summary>
    /// <exception cref="InvalidDataException">The file was written by a newer library.</exception>
    public static int CheckVersion(JsonObject json, string path)
    {
        int version = json["stateVersion"]?.GetValue<int>() ?? 1;
        if (version > CurrentVersion)
        {
            throw new InvalidDataException(
                $"{path} has state version {version}, newer than this library's {CurrentVersion}: resume it with the AgroNT.MLNet version that wrote it, or start in another checkpoint folder.");
        }
        return version;
    }

    /// <summary>A finite number as JSON, null for NaN and infinities (JSON has neither).</summary>
    protected static JsonNode? Finite(double value) => double.IsFinite(value) ? JsonValue.Create(value) : null;

    /// <summary>Reads <see cref="Finite"/>'s output back, with <paramref name="fallback"/> for null.</summary>
    protected static double ReadFinite(JsonNode? node, double fallback) => node is null ? fallback : node.GetValue<double>();
}

/// <summary>A trainer state that reads itself from <c>trainer_state.json</c>.</summary>
/// <typeparam name="TSelf">The state type.</typeparam>
internal interface ITrainerState<TSelf> where TSelf : TrainerState
{
    /// <summary>Reads a state (any version up to <see cref="TrainerState.CurrentVersion"/>).</summary>
    static abstract TSelf FromJson(JsonObject json);
}
