using static TorchSharp.torch;

namespace AgroNT.MLNet.Training.FineTuning;

/// <summary>Pads token id arrays into the int64 <c>[B, T]</c> ids and 0/1 mask tensors the encoder takes.</summary>
internal static class TokenBatches
{
    public static (Tensor Ids, Tensor Mask) ToTensors(IReadOnlyList<int[]> inputs, int padId, Device device)
    {
        int rows = inputs.Count;
        int length = inputs.Max(i => i.Length);
        var ids = new long[rows * length];
        var mask = new long[rows * length];
        Array.Fill(ids, padId);
        for (int r = 0; r < rows; r++)
        {
            int[] input = inputs[r];
            for (int t = 0; t < input.Length; t++)
            {
                ids[r * length + t] = input[t];
                mask[r * length + t] = 1;
            }
        }
        return (tensor(ids, [rows, length], device: device), tensor(mask, [rows, length], device: device));
    }
}
