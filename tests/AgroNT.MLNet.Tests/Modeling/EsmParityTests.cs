using System.Text.Json.Nodes;
using AgroNT.MLNet.Checkpoints;
using AgroNT.MLNet.Modeling;
using AgroNT.Tests.Common;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace AgroNT.MLNet.Tests.Modeling;

/// <summary>The tiny model loaded from each weight file once for the whole class.</summary>
public sealed class TinyModels : IDisposable
{
    public TinyModels()
    {
        // Parity must hold under the tuned runtime (MKL AVX-512 switch) the library uses.
        AgroNT.MLNet.Native.TorchRuntime.Initialize();
        var config = EsmConfig.FromFile(SharedData.TinyModel);
        FromSafeTensors = new EsmForMaskedLM(config);
        CheckpointLoader.LoadInto(FromSafeTensors, SharedData.TinyModel, new CheckpointLoadOptions { Format = CheckpointFormat.SafeTensors });
        FromBin = new EsmForMaskedLM(config);
        CheckpointLoader.LoadInto(FromBin, SharedData.TinyModel, new CheckpointLoadOptions { Format = CheckpointFormat.PyTorch });
        FromSafeTensors.eval();
        FromBin.eval();
        Index = JsonNode.Parse(File.ReadAllText(Path.Combine(SharedData.HfReference, "index.json")))!;
    }

    public EsmForMaskedLM FromSafeTensors { get; }

    public EsmForMaskedLM FromBin { get; }

    public JsonNode Index { get; }

    public EsmForMaskedLM Get(string format) => format == "safetensors" ? FromSafeTensors : FromBin;

    public void Dispose()
    {
        FromSafeTensors.Dispose();
        FromBin.Dispose();
    }
}

public sealed class EsmParityTests(TinyModels models, ITestOutputHelper output) : IClassFixture<TinyModels>
{
    private const double Tolerance = 1e-4;

    public static TheoryData<string, string, string> Runs()
    {
        var index = JsonNode.Parse(File.ReadAllText(Path.Combine(SharedData.HfReference, "index.json")))!;
        var data = new TheoryData<string, string, string>();
        foreach (string format in new[] { "safetensors", "bin" })
        {
            foreach (var (name, run) in index["fixtures"]!["single"]!.AsObject())
            {
                if (run!["error"] is not null)
                {
                    continue;
                }
                data.Add(format, "single", name);
            }
            foreach (var (name, _) in index["fixtures"]!["batches"]!.AsObject())
            {
                data.Add(format, "batches", name);
            }
            data.Add(format, "widget", "widget");
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Runs))]
    public void Forward_FixtureRun_MatchesHuggingFaceWithin1e4(string format, string group, string name)
    {
        var files = (group == "widget" ? models.Index["fixtures"]!["widget"]!["files"] : models.Index["fixtures"]![group]![name]!["files"])!.AsObject();
        NpyArray Load(string key) => Npy.Read(Path.Combine(SharedData.HfReference, files[key]!.GetValue<string>()));

        var ids = Load("input_ids");
        var mask = Load("attention_mask");
        int batch = ids.Shape[0], tokens = ids.Shape[1];
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var result = models.Get(format).Forward(tensor(ids.Longs, [batch, tokens]), tensor(mask.Longs, [batch, tokens]), outputHiddenStates: true);

        var logits = result.Logits.data<float>().ToArray();
        int vocab = (int)result.Logits.shape[2];
        int[] positions = files.ContainsKey("logits_positions") ? Load("logits_positions").Longs.Select(p => (int)p).ToArray() : Enumerable.Range(0, tokens).ToArray();
        var expectedLogits = files.ContainsKey("logits") ? Load("logits") : Load("logits_at_positions");
        double logitDiff = MaxDiff(expectedLogits.Doubles, logits, batch, positions, tokens, vocab, mask.Longs, layers: 1);

        int hidden = (int)result.LastHiddenState.shape[2];
        double lastDiff = MaxDiff(Load("last_hidden_state").Doubles, result.LastHiddenState.data<float>().ToArray(), batch, Enumerable.Range(0, tokens).ToArray(), tokens, hidden, mask.Longs, 1);

        var stacked = stack(result.HiddenStates).data<float>().ToArray();
        var expectedStates = files.ContainsKey("hidden_states") ? Load("hidden_states") : Load("hidden_states_at_positions");
        int[] statePositions = files.ContainsKey("hidden_states") ? Enumerable.Range(0, tokens).ToArray() : positions;
        double statesDiff = MaxDiff(expectedStates.Doubles, stacked, batch, statePositions, tokens, hidden, mask.Longs, layers: result.HiddenStates.Count);

        output.WriteLine($"{format} {group}/{name}: max |diff| logits {logitDiff:E2}, last hidden {lastDiff:E2}, hidden states {statesDiff:E2}");
        Assert.Equal(models.FromBin.Config.NumHiddenLayers + 1, result.HiddenStates.Count);
        Assert.InRange(logitDiff, 0, Tolerance);
        Assert.InRange(lastDiff, 0, Tolerance);
        Assert.InRange(statesDiff, 0, Tolerance);
    }

    [Fact]
    public void Forward_OverMaxFixture_IsRejectedWithAClearMessage()
    {
        // HF raises IndexError in the position lookup for this 1031-token sequence; we refuse it up front.
        var ids = Npy.Read(Path.Combine(SharedData.HfReference, "tokenization", "over_max_1031tok.input_ids.npy"));
        using var scope = NewDisposeScope();
        var error = Assert.Throws<ArgumentException>(() => models.FromBin.Forward(tensor(ids.Longs, [1, ids.Longs.Length])));
        Assert.Contains("1031 tokens", error.Message);
        Assert.Contains("window of 1024", error.Message);
    }

    [Fact]
    public void Forward_Widget_ReproducesFillMaskTop5()
    {
        var widget = models.Index["fixtures"]!["widget"]!;
        long[] ids = widget["input_ids"]!.AsArray().Select(v => (long)v!).ToArray();
        int maskPosition = (int)widget["mask_position"]!;
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var logits = models.FromSafeTensors.Forward(tensor(ids, [1, ids.Length])).Logits;
        var probabilities = logits[0, maskPosition].softmax(0);
        var (values, indices) = probabilities.topk(5);
        var expected = widget["fill_mask_top5"]!.AsArray();
        for (int i = 0; i < 5; i++)
        {
            Assert.Equal((long)expected[i]!["token"]!, indices[i].item<long>());
            Assert.Equal((double)expected[i]!["score"]!, values[i].item<float>(), 1e-6);
        }
    }

    [Fact]
    public void Forward_ExplicitAttentionKernel_AgreesWithScaledDotProduct()
    {
        var files = models.Index["fixtures"]!["batches"]!["mixed"]!["files"]!;
        var ids = Npy.Read(Path.Combine(SharedData.HfReference, files["input_ids"]!.GetValue<string>()));
        var mask = Npy.Read(Path.Combine(SharedData.HfReference, files["attention_mask"]!.GetValue<string>()));
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var idsTensor = tensor(ids.Longs, [ids.Shape[0], ids.Shape[1]]);
        var maskTensor = tensor(mask.Longs, [ids.Shape[0], ids.Shape[1]]);
        var model = models.FromBin;
        var fused = model.Forward(idsTensor, maskTensor).LastHiddenState;
        model.Esm.SetAttentionKernel(AttentionKernel.Explicit);
        try
        {
            var explicitResult = model.Forward(idsTensor, maskTensor).LastHiddenState;
            var valid = maskTensor.to(ScalarType.Bool).unsqueeze(-1);
            double diff = fused.sub(explicitResult).abs().masked_fill(valid.logical_not(), 0).max().item<float>();
            output.WriteLine($"sdpa vs explicit: {diff:E2}");
            Assert.InRange(diff, 0, 1e-5);
        }
        finally
        {
            model.Esm.SetAttentionKernel(AttentionKernel.ScaledDotProduct);
        }
    }

    [Fact]
    public void Forward_UpToLayer_EqualsThatHiddenState()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var ids = tensor(new long[] { 3, 431, 4103, 4104, 4104, 1740, 4102, 4104 }, [1, 8]);
        var all = models.FromBin.Esm.Forward(ids, outputHiddenStates: true);
        var partial = models.FromBin.Esm.Forward(ids, upToLayer: 1);
        Assert.Equal(0.0, all.HiddenStates[1].sub(partial.LastHiddenState).abs().max().item<float>());
        var embeddingsOnly = models.FromBin.Esm.Forward(ids, upToLayer: 0);
        Assert.Equal(0.0, all.HiddenStates[0].sub(embeddingsOnly.LastHiddenState).abs().max().item<float>());
    }

    /// <summary>Max |expected - actual| over valid positions. expected: [layers, B, P, W]; actual: [layers, B, T, W].</summary>
    private static double MaxDiff(double[] expected, float[] actual, int batch, int[] positions, int tokens, int width, long[] mask, int layers)
    {
        double max = 0;
        for (int l = 0; l < layers; l++)
        {
            for (int b = 0; b < batch; b++)
            {
                for (int p = 0; p < positions.Length; p++)
                {
                    int t = positions[p];
                    if (mask[b * tokens + t] == 0)
                    {
                        continue;
                    }
                    long e0 = (((long)l * batch + b) * positions.Length + p) * width;
                    long a0 = (((long)l * batch + b) * tokens + t) * width;
                    for (int w = 0; w < width; w++)
                    {
                        max = Math.Max(max, Math.Abs(expected[e0 + w] - actual[a0 + w]));
                    }
                }
            }
        }
        return max;
    }
}
