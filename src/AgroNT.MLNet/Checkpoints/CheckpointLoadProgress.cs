namespace AgroNT.MLNet.Checkpoints;

/// <summary>How far a <see cref="CheckpointLoader"/> load has got.</summary>
/// <param name="TensorsDone">Tensors copied so far.</param>
/// <param name="TensorCount">Tensors to copy in all.</param>
/// <param name="BytesDone">Checkpoint bytes copied so far.</param>
/// <param name="ByteCount">Checkpoint bytes to copy in all.</param>
/// <param name="LastTensor">The tensor just copied.</param>
public readonly record struct CheckpointLoadProgress(int TensorsDone, int TensorCount, long BytesDone, long ByteCount, string LastTensor);
