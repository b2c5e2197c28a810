using AgroNT.Transforms.Tokenization;
using static TorchSharp.torch;

namespace AgroNT.MLNet.Modeling;

/// <summary>
/// The one step from a padded <see cref="TokenBatch"/> (built by <see cref="TokenBatch.Pad(IReadOnlyList{int[]}, int, int?)"/>)
/// to the int64 <c>[B, T]</c> ids and 0/1 attention mask tensors <see cref="EsmModel.Forward"/> takes. Embedding,
/// fine-tuning, pretraining, fill-mask and variant scoring all feed the encoder through it.
/// </summary>
internal static class TokenBatchTensors
{
    /// <summary>The batch's ids and attention mask as int64 tensors on <paramref name="device"/>, in the current dispose scope.</summary>
    public static (Tensor InputIds, Tensor AttentionMask) ToTensors(this TokenBatch batch, Device device)
    {
        long[] shape = [batch.Count, batch.SequenceLength];
        return (tensor(Widen(batch.InputIds), shape, device: device), tensor(Widen(batch.AttentionMask), shape, device: device));
    }

    private static long[] Widen(int[] values)
    {
        var wide = new long[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            wide[i] = values[i];
        }
        return wide;
    }
}
