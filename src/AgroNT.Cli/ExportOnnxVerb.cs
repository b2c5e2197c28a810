using System.Globalization;
using AgroNT.MLNet.Onnx;

namespace AgroNT.Cli;

/// <summary>
/// <c>agront export-onnx</c>: a Hugging Face model folder to an ONNX model folder for ONNX Runtime. A fine-tuned folder
/// (<c>agront finetune</c>'s) is exported with its IA3 or LoRA adapters merged into the encoder and its task head as
/// the output <c>score</c>.
/// </summary>
internal sealed class ExportOnnxVerb : IVerb
{
    public string Name => "export-onnx";

    public string Summary => "export a model folder to ONNX (model.onnx + config.json + vocab.txt) for ONNX Runtime";

    public string Usage => "agront export-onnx [--model DIR] -o OUTDIR [--layers 11,21 [--only-layers]] [--no-logits] [--no-head] [--attention onnxruntime|standard] [--external-data auto|always|never]";

    public IReadOnlyList<OptionSpec> Options { get; } =
    [
        CommonOptions.Model, CommonOptions.Quiet,
        new("output", "o", true, "the ONNX model folder to write"),
        new("layers", null, true, "hidden states to expose as outputs hidden_state_L (comma-separated; 0 = embeddings, N = last layer)"),
        new("only-layers", null, false, "export only the --layers hidden states: the graph stops at the highest one (for featurizing an intermediate layer)"),
        new("no-logits", null, false, "leave the masked-language-model head out (an encoder-only graph)"),
        new("no-head", null, false, "for a fine-tuned model folder: leave the task head's 'score' output out (adapters are merged either way)"),
        new("attention", null, true, "onnxruntime (default: ONNX Runtime's fused com.microsoft Attention operator) or standard (plain ONNX operators, for other runtimes)"),
        new("external-data", null, true, "weights in model.onnx.data: auto (default: when over 1.8 GB), always, or never"),
    ];

    public int Run(ParsedArguments args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        string output = args.Require("output");
        CommonOptions.CheckOutputs([new("--model", CommonOptions.ModelFolder(args))], CommonOptions.Paths(args, "output"));
        var options = new OnnxExportOptions
        {
            Layers = ParseLayers(args.Get("layers")),
            IncludeLogits = !args.Has("no-logits"),
            OnlyLayers = args.Has("only-layers"),
            IncludeHead = !args.Has("no-head"),
            Attention = args.GetEnum("attention", OnnxAttention.OnnxRuntime),
            ExternalData = args.GetEnum("external-data", OnnxExternalData.Auto),
        };
        OnnxExportResult result;
        using (var progress = CliProgress.Create(args, stderr, Name, ProgressUnit.Bytes))
        {
            result = OnnxExporter.Export(CommonOptions.ModelFolder(args), output,
                options with { Progress = new SynchronousProgress<OnnxExportProgress>(p => progress.Report(p.BytesWritten, Math.Max(p.BytesWritten, p.BytesEstimated), "weights written")) });
            progress.Complete();
        }
        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"wrote {result.ModelPath}{(result.ExternalDataPath is null ? "" : $" + {Path.GetFileName(result.ExternalDataPath)}")}: {result.WeightBytes / 1e6:F1} MB of float32 weights, outputs {string.Join(", ", result.Outputs)}."));
        return 0;
    }

    internal static IReadOnlyList<int> ParseLayers(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return [];
        }
        var layers = new List<int>();
        foreach (string part in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out int layer))
            {
                throw new UsageException($"--layers takes comma-separated layer numbers such as 11,21; got '{text}'.");
            }
            layers.Add(layer);
        }
        return layers;
    }
}
