namespace AgroNT.MLNet.Checkpoints;

/// <summary>A tensor present in both the model and the checkpoint, with different shapes.</summary>
/// <param name="Name">The state-dict key (the model's name for it).</param>
/// <param name="Expected">The shape the model's tensor has.</param>
/// <param name="Found">The shape stored in the checkpoint.</param>
public sealed record CheckpointShapeMismatch(string Name, IReadOnlyList<long> Expected, IReadOnlyList<long> Found)
{
    /// <summary>One line: <c>name: model [64, 64], checkpoint [32, 64]</c>.</summary>
    public override string ToString() =>
        $"{Name}: model {CheckpointTensorInfo.FormatShape(Expected)}, checkpoint {CheckpointTensorInfo.FormatShape(Found)}";
}
