using System.Text.Json.Nodes;
using AgroNT.MLNet.Training.FineTuning;

namespace AgroNT.MLNet.Training.Checkpointing;

/// <summary>
/// Fine-tuning's state at a checkpoint: besides the update count, the data position (the epoch under way and its
/// batches already trained on), early stopping's bookkeeping, the running loss and the training curve so far.
/// </summary>
internal sealed record FineTuningState(long Step, double ElapsedSeconds, JsonObject Settings) : TrainerState(Step, ElapsedSeconds, Settings), ITrainerState<FineTuningState>
{
    /// <summary>The epoch under way (1-based).</summary>
    public required int Epoch { get; init; }

    /// <summary>Batches of <see cref="Epoch"/> already trained on.</summary>
    public required long BatchesTaken { get; init; }

    /// <summary>Whether early stopping has ended the run.</summary>
    public required bool StoppedEarly { get; init; }

    /// <summary>Whether an interval validation was cancelled, so the resumed run validates first.</summary>
    public required bool PendingValidation { get; init; }

    /// <summary>Whether the checkpoint holds the best weights so far.</summary>
    public required bool HasBest { get; init; }

    /// <summary>The best validation loss (positive infinity before any).</summary>
    public required double BestLoss { get; init; }

    /// <summary>The step of <see cref="BestLoss"/>.</summary>
    public required long BestStep { get; init; }

    /// <summary>Validations since the best one.</summary>
    public required int SinceBest { get; init; }

    /// <summary>The training loss summed since the last report.</summary>
    public required double LossSum { get; init; }

    /// <summary>The steps in <see cref="LossSum"/>.</summary>
    public required int LossCount { get; init; }

    /// <summary>The last reported training loss (NaN before any).</summary>
    public required double LastTrainLoss { get; init; }

    /// <summary>The training curve so far.</summary>
    public required IReadOnlyList<TrainingCurvePoint> Points { get; init; }

    /// <inheritdoc/>
    protected override void WriteFields(JsonObject json)
    {
        json["epoch"] = Epoch;
        json["batchesTaken"] = BatchesTaken;
        json["stoppedEarly"] = StoppedEarly;
        json["pendingValidation"] = PendingValidation;
        json["hasBest"] = HasBest;
        json["bestLoss"] = Finite(BestLoss);
        json["bestStep"] = BestStep;
        json["sinceBest"] = SinceBest;
        json["lossSum"] = LossSum;
        json["lossCount"] = LossCount;
        json["lastTrainLoss"] = Finite(LastTrainLoss);
        json["points"] = new JsonArray([.. Points.Select(p => (JsonNode)new JsonObject
        {
            ["step"] = p.Step,
            ["epoch"] = p.Epoch,
            ["trainLoss"] = Finite(p.TrainLoss),
            ["validationLoss"] = p.ValidationLoss is { } v ? Finite(v) : null,
            ["validationMetric"] = p.ValidationMetric is { } m ? Finite(m) : null,
        })]);
    }

    /// <inheritdoc/>
    public static FineTuningState FromJson(JsonObject json) => new(
        json["step"]!.GetValue<long>(), json["elapsedSeconds"]!.GetValue<double>(), (JsonObject)json["settings"]!.DeepClone())
    {
        Epoch = json["epoch"]!.GetValue<int>(),
        BatchesTaken = json["batchesTaken"]!.GetValue<long>(),
        StoppedEarly = json["stoppedEarly"]!.GetValue<bool>(),
        PendingValidation = json["pendingValidation"]!.GetValue<bool>(),
        HasBest = json["hasBest"]!.GetValue<bool>(),
        BestLoss = ReadFinite(json["bestLoss"], double.PositiveInfinity),
        BestStep = json["bestStep"]!.GetValue<long>(),
        SinceBest = json["sinceBest"]!.GetValue<int>(),
        LossSum = json["lossSum"]!.GetValue<double>(),
        LossCount = json["lossCount"]!.GetValue<int>(),
        LastTrainLoss = ReadFinite(json["lastTrainLoss"], double.NaN),
        Points = [.. json["points"]!.AsArray().Select(p => new TrainingCurvePoint(p!["step"]!.GetValue<long>(), p["epoch"]!.GetValue<int>(),
            ReadFinite(p["trainLoss"], double.NaN), p["validationLoss"]?.GetValue<double>(), p["validationMetric"]?.GetValue<double>()))],
    };
}
