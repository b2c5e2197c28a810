using AgroNT.MLNet.Native;
using AgroNT.MLNet.Modeling;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace AgroNT.MLNet.Training.FineTuning;

/// <summary>
/// Parameter-efficient adapters attached to a frozen encoder through forward hooks on its Linear layers, so the
/// encoder's own modules, names and weights stay exactly those of the Hugging Face checkpoint.
/// </summary>
/// <remarks>
/// Parameters are named after the module they adapt, with the checkpoint's <c>esm.</c> prefix:
/// <c>esm.encoder.layer.0.attention.self.query.lora_A.weight</c> (r x in), <c>...lora_B.weight</c> (out x r),
/// <c>esm.encoder.layer.0.attention.self.key.ia3_l</c> (out), <c>esm.encoder.layer.0.output.dense.ia3_l</c> (in).
/// </remarks>
internal sealed class EncoderAdapters : IDisposable
{
    private readonly List<(string Name, Parameter Parameter)> _parameters = [];
    private readonly List<Action> _detach = [];

    private EncoderAdapters(FineTuningMethod method) => Method = method;

    public FineTuningMethod Method { get; }

    /// <summary>The adapter parameters by checkpoint-style name, in creation order.</summary>
    public IReadOnlyList<(string Name, Parameter Parameter)> NamedParameters => _parameters;

    public long ParameterCount => _parameters.Sum(p => p.Parameter.numel());

    /// <summary>No adapters (full fine-tuning trains the encoder itself).</summary>
    public static EncoderAdapters None() => new(FineTuningMethod.Full);

    /// <summary>IA3 scales on every layer's key and value outputs and on the input of its feed-forward output projection (the GELU activation).</summary>
    public static EncoderAdapters Ia3(EsmModel encoder)
    {
        var adapters = new EncoderAdapters(FineTuningMethod.Ia3);
        var modules = encoder.named_modules().ToDictionary(m => m.name, m => m.module, StringComparer.Ordinal);
        for (int i = 0; i < encoder.Config.NumHiddenLayers; i++)
        {
            adapters.AddIa3(modules, $"encoder.layer.{i}.attention.self.key", onInput: false);
            adapters.AddIa3(modules, $"encoder.layer.{i}.attention.self.value", onInput: false);
            adapters.AddIa3(modules, $"encoder.layer.{i}.output.dense", onInput: true);
        }
        return adapters;
    }

    /// <summary>LoRA updates beside every Linear layer whose name matches one of <paramref name="options"/>' targets.</summary>
    /// <exception cref="ArgumentException">A target matches no Linear layer; the message lists the names that can be targeted.</exception>
    public static EncoderAdapters Lora(EsmModel encoder, LoraOptions options)
    {
        var linears = encoder.named_modules().Where(m => m.module is Linear).ToList();
        foreach (string target in options.TargetModules)
        {
            if (!linears.Any(m => Matches(m.name, target)))
            {
                string leaves = string.Join(", ", linears.Select(m => m.name[(m.name.LastIndexOf('.') + 1)..]).Distinct());
                throw new ArgumentException(
                    $"The LoRA target '{target}' matches no Linear layer of the encoder. Targets are matched against module names such as "
                    + $"'{linears[0].name}': use one of {leaves}, or a full name.", nameof(options));
            }
        }
        var adapters = new EncoderAdapters(FineTuningMethod.Lora);
        foreach (var (name, module) in linears.Where(m => options.TargetModules.Any(t => Matches(m.name, t))))
        {
            adapters.AddLora(name, (Linear)module, options);
        }
        return adapters;
    }

    /// <summary>Builds the adapters a saved model names, with zero-filled parameters ready for loading.</summary>
    public static EncoderAdapters Create(FineTuningMethod method, EsmModel encoder, LoraOptions lora) => method switch
    {
        FineTuningMethod.Ia3 => Ia3(encoder),
        FineTuningMethod.Lora => Lora(encoder, lora),
        _ => None(),
    };

    public void Dispose()
    {
        foreach (Action detach in _detach)
        {
            detach();
        }
        _detach.Clear();
        foreach (var (_, parameter) in _parameters)
        {
            parameter.Dispose();
        }
        _parameters.Clear();
    }

    internal static bool Matches(string name, string target) =>
        name == target || name.EndsWith("." + target, StringComparison.Ordinal);

    private void AddIa3(Dictionary<string, nn.Module> modules, string name, bool onInput)
    {
        var linear = (Linear)modules[name];
        long features = onInput ? linear.weight!.shape[1] : linear.weight!.shape[0];
        // Adapter parameters are float32 whatever the encoder's precision (master weights for bfloat16 training); they are
        // cast to the activations' dtype where they are used, and their gradients come back in float32.
        var scale = new Parameter(ones(features, dtype: ScalarType.Float32, device: linear.weight.device));
        _parameters.Add(($"esm.{name}.ia3_l", scale));
        if (onInput)
        {
            var hook = linear.register_forward_pre_hook((_, input) => input.mul(scale.to(input.dtype)));
            _detach.Add(hook.remove);
        }
        else
        {
            var hook = linear.register_forward_hook((_, _, output) => output.mul(scale.to(output.dtype)));
            _detach.Add(hook.remove);
        }
    }

    private void AddLora(string name, Linear linear, LoraOptions options)
    {
        long outputs = linear.weight!.shape[0], inputs = linear.weight.shape[1];
        var a = new Parameter(empty(options.Rank, inputs, dtype: ScalarType.Float32, device: linear.weight.device));
        var b = new Parameter(zeros(outputs, options.Rank, dtype: ScalarType.Float32, device: linear.weight.device));
        using (no_grad())
        {
            // As in the LoRA reference code: A like a Linear weight (Kaiming uniform, a = sqrt(5)), B zero, so the
            // update starts at exactly zero.
            nn.init.kaiming_uniform_(a, Math.Sqrt(5));
        }
        Scalar scale = TorchScalars.Real(options.Alpha / options.Rank);
        _parameters.Add(($"esm.{name}.lora_A.weight", a));
        _parameters.Add(($"esm.{name}.lora_B.weight", b));
        var hook = linear.register_forward_hook((_, input, output) => output.add(input.matmul(a.t().to(input.dtype)).matmul(b.t().to(input.dtype)).mul(scale), TorchScalars.One));
        _detach.Add(hook.remove);
    }
}
