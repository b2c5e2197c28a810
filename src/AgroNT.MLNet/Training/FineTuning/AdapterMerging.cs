using AgroNT.MLNet.Native;
using TorchSharp;
using static TorchSharp.torch;

namespace AgroNT.MLNet.Training.FineTuning;

/// <summary>
/// Folds a fine-tuned model's IA3 or LoRA adapters into the encoder's own Linear weights, so that a plain encoder
/// (no hooks, no extra parameters) computes what the adapted one does: for ONNX export, or to save the fine-tuned
/// encoder as an ordinary Hugging Face folder.
/// </summary>
/// <remarks>
/// <para>IA3 scales a Linear layer's output (<c>key</c>, <c>value</c>: <c>(W x + b) * l</c>) or its input
/// (<c>output.dense</c>: <c>W (x * l) + b</c>); the first is the Linear with rows of <c>W</c> and <c>b</c> scaled by
/// <c>l</c>, the second the Linear with the columns of <c>W</c> scaled by <c>l</c>. LoRA adds <c>(alpha / r) x Aᵀ Bᵀ</c>
/// to the output, which is the Linear with <c>W + (alpha / r) B A</c>. The merge is computed in float32 (in float64 for
/// the LoRA product) and cast to the model's precision; the results differ from the adapted forward pass only by float
/// rounding.</para>
/// </remarks>
public static class AdapterMerging
{
    /// <summary>
    /// The encoder weights of <paramref name="model"/> with its adapters folded in, keyed like the Hugging Face
    /// checkpoint (<c>esm.encoder.layer.0.attention.self.key.weight</c>). Only the Linear weights and biases that an
    /// adapter changes are returned; every other weight is the model's own. Full fine-tuning returns an empty map.
    /// </summary>
    /// <param name="model">The fine-tuned model.</param>
    /// <returns>New float32 CPU tensors, owned by the caller.</returns>
    public static IReadOnlyDictionary<string, Tensor> MergedWeights(FineTunedModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var merged = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        if (model.Method == FineTuningMethod.Full)
        {
            return merged;
        }

        var original = model.Model.Network.state_dict();
        Tensor Current(string key)
        {
            if (merged.TryGetValue(key, out var already))
            {
                return already;
            }
            if (!original.TryGetValue(key, out var tensor))
            {
                throw new InvalidOperationException($"The adapter names '{key}', which the encoder does not have; the adapters and the encoder do not belong together.");
            }
            return tensor.detach().to(ScalarType.Float32, CPU).clone();
        }

        using var noGrad = no_grad();
        var adapters = model.AdapterParameters.ToDictionary(p => p.Name, p => p.Parameter, StringComparer.Ordinal);
        foreach (var (name, parameter) in model.AdapterParameters)
        {
            if (name.EndsWith(".ia3_l", StringComparison.Ordinal))
            {
                string module = name[..^".ia3_l".Length];
                var scale = parameter.detach().to(ScalarType.Float32, CPU);
                var weight = Current(module + ".weight");
                if (IsInputScaled(module))
                {
                    // W (x * l) = (W diag(l)) x: column j of W scales by l[j].
                    merged[module + ".weight"] = weight.mul(scale.unsqueeze(0));
                }
                else
                {
                    // (W x + b) * l: row i of W and b[i] scale by l[i].
                    merged[module + ".weight"] = weight.mul(scale.unsqueeze(1));
                    var bias = Current(module + ".bias");
                    merged[module + ".bias"] = bias.mul(scale);
                    bias.Dispose();
                }
                weight.Dispose();
            }
            else if (name.EndsWith(".lora_A.weight", StringComparison.Ordinal))
            {
                string module = name[..^".lora_A.weight".Length];
                var a = parameter.detach().to(ScalarType.Float64, CPU);
                var b = adapters[module + ".lora_B.weight"].detach().to(ScalarType.Float64, CPU);
                double factor = model.Lora.Alpha / model.Lora.Rank;
                var weight = Current(module + ".weight");
                merged[module + ".weight"] = weight.to(ScalarType.Float64).add(b.matmul(a).mul(TorchScalars.Real(factor)), TorchScalars.One).to(ScalarType.Float32);
                weight.Dispose();
            }
            else if (!name.EndsWith(".lora_B.weight", StringComparison.Ordinal))
            {
                throw new NotSupportedException($"The adapter parameter '{name}' is of a kind this version cannot merge (IA3 ia3_l and LoRA lora_A/lora_B are).");
            }
        }
        return merged;
    }

    /// <summary>
    /// A new model (no adapters) whose encoder holds <paramref name="model"/>'s weights with the adapters folded in (on
    /// the same device, in the same precision and with the same tokenizer settings unless <paramref name="options"/>
    /// says otherwise). It computes the fine-tuned encoder's
    /// hidden states; save it with <see cref="AgroNTModel.Save"/> for a plain Hugging Face folder.
    /// </summary>
    /// <param name="model">The fine-tuned model (unchanged).</param>
    /// <param name="options">Device, precision and tokenizer settings of the new model; by default those of
    /// <paramref name="model"/>. The checkpoint format is not used.</param>
    /// <returns>The merged model, owned by the caller.</returns>
    public static AgroNTModel ToMergedModel(FineTunedModel model, AgroNTModelOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        var source = model.Model;
        var merged = MergedWeights(model);
        try
        {
            var copy = AgroNTModel.CreateRandom(source.Config, source.Tokenizer.Vocabulary, seed: 0, options ?? new AgroNTModelOptions
            {
                Device = source.Device.ToString(),
                Precision = source.Precision,
                Tokenizer = source.Tokenizer.Options,
            });
            using var noGrad = no_grad();
            var weights = source.Network.state_dict();
            foreach (var (name, target) in copy.Network.state_dict())
            {
                target.copy_(merged.TryGetValue(name, out var value) ? value : weights[name]);
            }
            return copy;
        }
        finally
        {
            foreach (var tensor in merged.Values)
            {
                tensor.Dispose();
            }
        }
    }

    // IA3 scales the input of the feed-forward output projection (the GELU activation) and the outputs of key and value.
    private static bool IsInputScaled(string module) => module.EndsWith(".output.dense", StringComparison.Ordinal) && !module.EndsWith(".attention.output.dense", StringComparison.Ordinal);
}
