using System.Diagnostics.CodeAnalysis;

namespace AgroNT.Transforms;

internal static partial class ThrowHelper
{
    [DoesNotReturn]
    public static void ThrowMissingOnnxFile(string folder, string fileName) =>
        throw new FileNotFoundException(
            $"{folder} has no {fileName}. An ONNX model folder holds model.onnx (and its external .onnx.data, if any), config.json and vocab.txt; "
            + "write one from a Hugging Face folder with: agront export-onnx --model DIR -o OUTDIR.",
            Path.Combine(folder, fileName));

    [DoesNotReturn]
    public static void ThrowLayerNotExposed(string modelPath, int layer, int? depth, IReadOnlyList<int> available) =>
        throw new ArgumentOutOfRangeException(
            "options",
            layer,
            $"{modelPath} exposes the hidden states of layer(s) {(available.Count == 0 ? "none" : string.Join(", ", available))}"
            + (depth is { } n ? $" (the model has {n} layers; {n} = last_hidden_state)" : "")
            + $", not layer {layer}. Export the layer as an output: agront export-onnx --model DIR -o OUTDIR --layers {layer}.");

    [DoesNotReturn]
    public static void ThrowNoCudaProvider(IEnumerable<string> available) =>
        throw new InvalidOperationException(
            $"ONNX Runtime's CUDA provider is not in this application's native runtime (available: {string.Join(", ", available)}). "
            + "Reference the Microsoft.ML.OnnxRuntime.Gpu.Linux package (1.32.0; Microsoft.ML.OnnxRuntime.Gpu.Windows on Windows) instead of Microsoft.ML.OnnxRuntime, "
            + "with CUDA 12 and cuDNN 9 installed (building this repository: dotnet build -p:AgroNTGpu=true), or use the CPU (--device cpu).");

    [DoesNotReturn]
    public static void ThrowEmbeddingGetterType(string columnName, Type requested, string actual) =>
        throw new InvalidOperationException(
            $"Column '{columnName}' holds {actual}; a getter for {requested.Name} was requested. Read it as VBuffer<float> (or float[] in a class).");
}
