using System.Text.Json;
using AgroNT.Tests.Common;

namespace AgroNT.MLNet.Tests.Checkpoints.Support;

/// <summary>The tiny fixture model: its folder, files, and the state dict index.json records (44 keys and shapes).</summary>
internal static class TinyModel
{
    public static string Folder => SharedData.TinyModel;

    public static string SafeTensors => Path.Combine(Folder, "model.safetensors");

    public static string Bin => Path.Combine(Folder, "pytorch_model.bin");

    /// <summary><c>index.json → model.weight_file_checks.state_dict</c>, in its order.</summary>
    public static IReadOnlyList<(string Name, long[] Shape)> StateDict()
    {
        using JsonDocument index = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(SharedData.HfReference, "index.json")));
        JsonElement stateDict = index.RootElement.GetProperty("model").GetProperty("weight_file_checks").GetProperty("state_dict");
        return stateDict.EnumerateObject()
            .Select(p => (p.Name, p.Value.EnumerateArray().Select(d => d.GetInt64()).ToArray()))
            .ToList();
    }

    /// <summary>The sha256 index.json records for a file of the folder.</summary>
    public static string Sha256(string fileName)
    {
        using JsonDocument index = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(SharedData.HfReference, "index.json")));
        return index.RootElement.GetProperty("model").GetProperty("sha256").GetProperty(fileName).GetString()!;
    }
}
