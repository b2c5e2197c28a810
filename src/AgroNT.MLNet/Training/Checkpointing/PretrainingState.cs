using System.Text.Json.Nodes;
using AgroNT.MLNet.Training.Data;

namespace AgroNT.MLNet.Training.Checkpointing;

/// <summary>
/// Pretraining's state at a checkpoint: besides the update count (the learning rate is a function of it), the data
/// position (the masks and the shuffle are functions of it and the seed) and the tokens trained on.
/// </summary>
/// <param name="Step">Updates done.</param>
/// <param name="Data">Where the training stream stands.</param>
/// <param name="Tokens">Real tokens trained on.</param>
/// <param name="ElapsedSeconds">Training time so far.</param>
/// <param name="Settings">The settings a resume must match.</param>
internal sealed record PretrainingState(long Step, DataPosition Data, long Tokens, double ElapsedSeconds, JsonObject Settings)
    : TrainerState(Step, ElapsedSeconds, Settings), ITrainerState<PretrainingState>
{
    /// <inheritdoc/>
    protected override void WriteFields(JsonObject json)
    {
        json["epoch"] = Data.Epoch;
        json["windowsTaken"] = Data.WindowsTaken;
        json["tokens"] = Tokens;
    }

    /// <inheritdoc/>
    public static PretrainingState FromJson(JsonObject json) => new(
        json["step"]!.GetValue<long>(),
        new DataPosition(json["epoch"]!.GetValue<long>(), json["windowsTaken"]!.GetValue<long>()),
        json["tokens"]!.GetValue<long>(),
        json["elapsedSeconds"]!.GetValue<double>(),
        (JsonObject)json["settings"]!.DeepClone());
}
