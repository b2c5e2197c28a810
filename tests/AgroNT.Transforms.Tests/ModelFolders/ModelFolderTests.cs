using AgroNT.Tests.Common;
using AgroNT.Transforms.ModelFolders;

namespace AgroNT.Transforms.Tests.ModelFolders;

public sealed class ModelFolderTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("agront-modelfolder-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private string Folder(string name, params string[] files)
    {
        string folder = Path.Combine(_root, name);
        Directory.CreateDirectory(folder);
        foreach (string file in files)
        {
            File.WriteAllText(Path.Combine(folder, file), "{}");
        }
        return folder;
    }

    [Fact]
    public void Open_HuggingFaceFixtureFolder_IsHuggingFaceWithItsFullPath()
    {
        var folder = ModelFolder.Open(SharedData.TinyModel);

        Assert.Equal(ModelFolderKind.HuggingFace, folder.Kind);
        Assert.Equal(Path.GetFullPath(SharedData.TinyModel), folder.Path);
        Assert.Equal(SharedData.TinyModel, folder.Source);
        Assert.True(File.Exists(folder.ConfigPath));
    }

    [Fact]
    public void Classify_FineTunedManifestWinsOverWeights_OnnxGraphMakesAnExport()
    {
        Assert.Equal(ModelFolderKind.FineTuned, ModelFolder.Classify(Folder("ft", "config.json", "model.safetensors", ModelFolder.FineTunedManifestFileName)));
        Assert.Equal(ModelFolderKind.Onnx, ModelFolder.Classify(Folder("onnx", "config.json", ModelFolder.OnnxModelFileName)));
        Assert.Equal(ModelFolderKind.HuggingFace, ModelFolder.Classify(Folder("hf", "config.json", "vocab.txt")));
    }

    [Fact]
    public void Open_CacheEntryFolder_ResolvesItsMainSnapshot()
    {
        string entry = Path.Combine(_root, "models--org--name");
        string snapshot = Path.Combine(entry, "snapshots", "0123456789abcdef0123456789abcdef01234567");
        Directory.CreateDirectory(snapshot);
        File.WriteAllText(Path.Combine(snapshot, "config.json"), "{}");
        File.WriteAllText(Path.Combine(snapshot, ModelFolder.OnnxModelFileName), "");
        Directory.CreateDirectory(Path.Combine(entry, "refs"));
        File.WriteAllText(Path.Combine(entry, "refs", "main"), "0123456789abcdef0123456789abcdef01234567\n");

        var folder = ModelFolder.Open(entry);

        Assert.Equal(snapshot, folder.Path);
        Assert.Equal(ModelFolderKind.Onnx, folder.Kind);
    }

    [Fact]
    public void Require_OtherKind_NamesWhatTheFolderIsAndWhatIsNeeded()
    {
        var onnx = ModelFolder.Open(Folder("export", "config.json", ModelFolder.OnnxModelFileName));

        var error = Assert.Throws<InvalidOperationException>(() => onnx.Require("fill-mask", ModelFolderKind.HuggingFace));

        Assert.Contains("is an ONNX export", error.Message, StringComparison.Ordinal);
        Assert.Contains("fill-mask needs a Hugging Face model folder", error.Message, StringComparison.Ordinal);
        Assert.Same(onnx, onnx.Require("embedding", ModelFolderKind.Onnx, ModelFolderKind.HuggingFace));
    }

    [Fact]
    public void Open_NeitherFolderNorHubId_SaysHowToFixIt()
    {
        var error = Assert.Throws<DirectoryNotFoundException>(() => ModelFolder.Open(Path.Combine(_root, "missing", "folder")));

        Assert.Contains("neither an existing folder nor a Hugging Face Hub id", error.Message, StringComparison.Ordinal);
    }
}
