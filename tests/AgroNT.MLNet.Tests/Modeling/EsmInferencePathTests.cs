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

    private static int[][] Rows(Tensor ids, Tensor mask)
    {
        var lengths = mask.sum(-1).data<long>().ToArray();
        long width = ids.shape[1];
        var flat = ids.data<long>().ToArray();
        return [.. lengths.Select((length, row) => flat.Skip((int)(row * width)).Take((int)length).Select(id => (int)id).ToArray())];
    }

    private static void AssertPackedEqualsPadded(EsmModel esm, Tensor ids, Tensor mask, int? upToLayer, double tolerance)
    {
        using var noGrad = no_grad();
        var padded = esm.Forward(ids, mask, upToLayer: upToLayer).LastHiddenState;
        var rows = Rows(ids, mask);
        var packed = esm.ForwardPacked(rows, upToLayer);
        Assert.Equal([rows.Sum(r => (long)r.Length), esm.Config.HiddenSize], packed.shape);
        long start = 0;
        for (int row = 0; row < rows.Length; row++)
        {
            long length = rows[row].Length;
            double difference = packed.narrow(0, start, length).sub(padded[row, ..(int)length]).abs().max().item<float>();
            Assert.True(difference < tolerance, $"row {row} ({length} tokens), layer {upToLayer?.ToString() ?? "last"}: max |packed - padded| = {difference}");
            start += length;
        }
    }

    [Theory]
    [InlineData(AttentionKernel.ScaledDotProduct, new[] { 300, 120, 37 }, null)]
    [InlineData(AttentionKernel.ScaledDotProduct, new[] { 37, 300, 300, 120, 120 }, null)]
    [InlineData(AttentionKernel.ScaledDotProduct, new[] { 300, 120, 37 }, 1)]
    [InlineData(AttentionKernel.ScaledDotProduct, new[] { 300, 1 }, 0)]
    [InlineData(AttentionKernel.Explicit, new[] { 300, 120, 37 }, null)]
    public void ForwardPacked_EqualsEachRowOfThePaddedForward(AttentionKernel kernel, int[] lengths, int? upToLayer)
    {
        // Absolute positions (AgroNT): each packed sequence counts its positions from its own start.
        using var model = AgroNTModel.Load(SharedData.TinyModel);
        model.Network.Esm.SetAttentionKernel(kernel);
        var (ids, mask) = Batch(model, lengths);
        AssertPackedEqualsPadded(model.Network.Esm, ids, mask, upToLayer, 1e-5);
    }

    [Fact]
    public void ForwardPacked_RotaryModelWithTokenDropout_EqualsEachRowOfThePaddedForward()
    {
        // ESM-2: rotary angles restart at each packed sequence, and token dropout's scale is each sequence's own
        // (rows hold different numbers of <mask> ids, and a literal <pad> inside a row is a real token).
        using var model = AgroNTModel.Load(SharedData.Esm2TinyModel);
        var config = model.Config;
        var random = new Random(7);
        int[] lengths = [40, 13, 40, 7];
        int longest = lengths.Max();
        var ids = new long[lengths.Length * longest];
        var mask = new long[lengths.Length * longest];
        Array.Fill(ids, config.PadTokenId);
        for (int row = 0; row < lengths.Length; row++)
        {
            for (int t = 0; t < lengths[row]; t++)
            {
                ids[row * longest + t] = t == 0 ? 0 : random.Next(4) == 0 ? config.MaskTokenId : random.Next(4, 24);
                mask[row * longest + t] = 1;
            }
        }
        ids[5] = config.PadTokenId;
        AssertPackedEqualsPadded(model.Network.Esm, tensor(ids, [lengths.Length, longest]), tensor(mask, [lengths.Length, longest]), null, 1e-5);
    }

    [Fact]
    public void ForwardPacked_RejectsAutogradEmptyRowsAndIdsOutsideTheVocabulary()
    {
        using var model = AgroNTModel.Load(SharedData.TinyModel);
        var esm = model.Network.Esm;
        using (enable_grad())
        {
            var error = Assert.Throws<InvalidOperationException>(() => esm.ForwardPacked([[0, 5, 6]]));
            Assert.Contains("no_grad", error.Message);
        }
        using var noGrad = no_grad();
        Assert.Contains("Row 1 has no tokens", Assert.Throws<ArgumentException>(() => esm.ForwardPacked([[0, 5], []])).Message);
        Assert.Contains("row 0 holds 4105", Assert.Throws<ArgumentException>(() => esm.ForwardPacked([[0, 4105]])).Message);
        Assert.Contains("more than the model's window of 1024", Assert.Throws<ArgumentException>(() => esm.ForwardPacked([new int[1025]])).Message);
    }
}
