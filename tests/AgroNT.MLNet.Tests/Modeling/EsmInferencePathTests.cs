using AgroNT.MLNet.Modeling;
using AgroNT.Tests.Common;
using AgroNT.Transforms.Sequences;
using static TorchSharp.torch;

namespace AgroNT.MLNet.Tests.Modeling;

/// <summary>
/// The inference path (no autograd: GELU and residual adds in place, no attention mask when nothing is padded) against
/// the plain path autograd takes, on the tiny model and real chloroplast DNA.
/// </summary>
public sealed class EsmInferencePathTests
{
    private static (Tensor Ids, Tensor Mask) Batch(AgroNTModel model, params int[] lengths)
    {
        string dna = string.Concat(SequenceReader.ReadFile(Path.Combine(SharedData.Data, "arabidopsis_chloroplast_NC_000932.fa")).Select(r => r.Sequence.ToUpperInvariant()));
        int longest = lengths.Max();
        var ids = new long[lengths.Length * longest];
        var mask = new long[lengths.Length * longest];
        Array.Fill(ids, model.Config.PadTokenId);
        for (int row = 0; row < lengths.Length; row++)
        {
            var tokens = model.Tokenizer.EncodeToIds(dna.Substring(5000 + 7000 * row, (lengths[row] - 1) * 6));
            Assert.Equal(lengths[row], tokens.Count);
            for (int t = 0; t < tokens.Count; t++)
            {
                ids[row * longest + t] = tokens[t];
                mask[row * longest + t] = 1;
            }
        }
        return (tensor(ids, [lengths.Length, longest]), tensor(mask, [lengths.Length, longest]));
    }

    [Theory]
    [InlineData(AttentionKernel.ScaledDotProduct, new[] { 300, 300 })]
    [InlineData(AttentionKernel.ScaledDotProduct, new[] { 300, 120, 37 })]
    [InlineData(AttentionKernel.Explicit, new[] { 300, 300 })]
    [InlineData(AttentionKernel.Explicit, new[] { 300, 120, 37 })]
    public void Forward_WithoutAutograd_EqualsTheAutogradPath(AttentionKernel kernel, int[] lengths)
    {
        using var model = AgroNTModel.Load(SharedData.TinyModel);
        var esm = model.Network.Esm;
        esm.SetAttentionKernel(kernel);
        var (ids, mask) = Batch(model, lengths);

        Tensor inference;
        using (no_grad())
        {
            inference = esm.Forward(ids, mask).LastHiddenState;
        }
        Tensor plain;
        using (enable_grad())
        {
            Assert.True(is_grad_enabled());
            plain = esm.Forward(ids, mask).LastHiddenState.detach();
        }

        // Real positions agree to float rounding; padded positions are garbage in both and not compared.
        var real = mask.unsqueeze(-1).to(ScalarType.Bool);
        double difference = inference.sub(plain).abs().masked_select(real).max().item<float>();
        Assert.True(difference < 1e-5, $"max |inference - autograd| = {difference}");
        // An unpadded batch is attended without a mask and still equals the masked computation.
        Assert.True(inference.isfinite().all().item<bool>());
    }

    [Fact]
    public void Forward_UnpaddedBatch_EqualsTheSameRowsInsideAPaddedBatch()
    {
        using var model = AgroNTModel.Load(SharedData.TinyModel);
        var esm = model.Network.Esm;
        using var noGrad = no_grad();
        var (ids, mask) = Batch(model, 300, 300);
        var (paddedIds, paddedMask) = Batch(model, 300, 300, 320);
        var unmasked = esm.Forward(ids, mask).LastHiddenState;                // no padding: no mask passed to attention
        var masked = esm.Forward(paddedIds, paddedMask).LastHiddenState[..2, ..300]; // the same two rows, padded to 320
        double difference = unmasked.sub(masked).abs().max().item<float>();
        Assert.True(difference < 1e-5, $"max |unmasked - masked| = {difference}");
    }
}
