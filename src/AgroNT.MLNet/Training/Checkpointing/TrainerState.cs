using System.Text.Json.Nodes;
using AgroNT.MLNet.Training.Data;

namespace AgroNT.MLNet.Training.Checkpointing;

/// <summary>
/// The scalar state of a run at a checkpoint: the update count (the learning rate is a function of it), the data
/// position (the masks and the shuffle are functions of it and the seed), counters, and the settings that must not
/// change across a resume.
/// </summary>
/// <param name="Step">Updates done.</param>
/// <param name="Data">Where the training stream stands.</param>
/// <param name="Tokens">Real tokens trained on.</param>
/// <param name="ElapsedSeconds">Training time so far.</param>
/// <param name="Settings">The run's settings that a resume must match (<see cref="AgroNTPretrainer"/> builds them).</param>
internal sealed record TrainerState(long Step, DataPosition Data, long Tokens, double ElapsedSeconds, JsonObject Settings)
{
    public JsonObject ToJson() => new()
    {
        ["step"] = Step,
        ["epoch"] = Data.Epoch,
        ["windowsTaken"] = Data.WindowsTaken,
        ["tokens"] = Tokens,
        ["elapsedSeconds"] = ElapsedSeconds,
        ["settings"] = Settings.DeepClone(),
    };

    public static TrainerState FromJson(JsonObject json) => new(
        json["step"]!.GetValue<long>(),
        new DataPosition(json["epoch"]!.GetValue<long>(), json["windowsTaken"]!.GetValue<long>()),
        json["tokens"]!.GetValue<long>(),
        json["elapsedSeconds"]!.GetValue<double>(),
        (JsonObject)json["settings"]!.DeepClone());
}
