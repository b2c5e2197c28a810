using AgroNT.MLNet.Training.FineTuning;
using AgroNT.Tests.Common;
using AgroNT.Transforms.Benchmarks;
using AgroNT.Transforms.Sequences;
using static TorchSharp.torch;

namespace AgroNT.MLNet.Tests.Training.FineTuning;

/// <summary>
/// Fine-tuned models of the tiny fixture encoder whose adapters and head hold seeded random values far from their
/// initial ones (IA3 scales in [0.5, 1.5], LoRA B of the size of A), so an adapter that is lost or folded wrongly changes
/// every output by much more than the parity tolerances.
/// </summary>
internal static class AdaptedModels
{
    public static readonly LoraOptions Lora = new() { Rank = 4, Alpha = 8, TargetModules = ["query", "key", "value", "dense"] };

    public static FineTunedModel Create(FineTuningMethod method, ProblemType problemType = ProblemType.BinaryClassification,
        HeadPooling pooling = HeadPooling.Mean, int outputCount = 1, long seed = 11)
    {
        var model = AgroNTModel.Load(SharedData.TinyModel);
        var adapters = EncoderAdapters.Create(method, model.Network.Esm, Lora);
        var generator = new Generator((ulong)seed);
        using (no_grad())
        {
            foreach (var (name, parameter) in adapters.NamedParameters)
            {
                if (name.EndsWith(".ia3_l", StringComparison.Ordinal))
                {
                    parameter.uniform_(0.5, 1.5, generator);
                }
                else if (name.EndsWith(".lora_B.weight", StringComparison.Ordinal))
                {
                    parameter.normal_(0, 0.3, generator);
                }
            }
        }
        var head = new SequenceTaskHead(model.Config.HiddenSize, outputCount);
        float[] mean = problemType.IsClassification() ? [] : [.. Enumerable.Range(0, outputCount).Select(i => 2.5f + i)];
        float[] scale = problemType.IsClassification() ? [] : [.. Enumerable.Range(0, outputCount).Select(i => 0.75f + i)];
        var fineTuned = new FineTunedModel(model, head, adapters, problemType, outputCount, pooling, Lora, mean, scale);
        fineTuned.Freeze();
        return fineTuned;
    }

    /// <summary>Real Arabidopsis DNA of mixed lengths: chloroplast task records and slices of a BAC clone.</summary>
    public static List<string> RealDna()
    {
        var records = SequenceReader.ReadFile(Path.Combine(SharedData.Data, "tasks", "chloroplast_coding", "test.fa")).Take(4).Select(r => r.Sequence);
        string bac = SequenceReader.ReadFile(Path.Combine(SharedData.Data, "arabidopsis_bac_T25K16.fa")).Single().Sequence;
        return [.. records, bac[1000..1600], bac[5000..5060], bac[9000..11000]];
    }
}
