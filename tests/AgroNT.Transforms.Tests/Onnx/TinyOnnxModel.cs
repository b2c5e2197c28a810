using AgroNT.Tests.Common;

namespace AgroNT.Transforms.Tests.Onnx;

/// <summary>
/// An ONNX model folder assembled once per test run from the fixtures: <c>onnx/model-tiny.onnx</c> (torch.onnx.export
/// of the tiny model) as <c>model.onnx</c>, beside the tiny model's config.json, vocab.txt and tokenizer files.
/// </summary>
internal static class TinyOnnxModel
{
    private static readonly Lazy<string> s_folder = new(Assemble);

    public static string Folder => s_folder.Value;

    private static string Assemble()
    {
        string folder = Path.Combine(Path.GetTempPath(), "agront-onnx-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        File.Copy(Path.Combine(SharedData.HfReference, "onnx", "model-tiny.onnx"), Path.Combine(folder, "model.onnx"));
        foreach (string name in new[] { "config.json", "vocab.txt", "tokenizer_config.json", "special_tokens_map.json" })
        {
            File.Copy(Path.Combine(SharedData.TinyModel, name), Path.Combine(folder, name));
        }
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                Directory.Delete(folder, recursive: true);
            }
            catch (IOException)
            {
                // Best effort: the OS cleans the temp folder eventually.
            }
        };
        return folder;
    }
}
