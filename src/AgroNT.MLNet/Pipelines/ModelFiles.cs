using System.Security.Cryptography;
using System.Text;

namespace AgroNT.MLNet.Pipelines;

/// <summary>One file of a model folder as a saved pipeline records it.</summary>
/// <param name="Name">The file name (top level of the folder).</param>
/// <param name="Bytes">Its length.</param>
/// <param name="Sha256">Its SHA-256, lowercase hex.</param>
internal sealed record ModelFile(string Name, long Bytes, string Sha256);

/// <summary>
/// Which files of a model folder a saved pipeline depends on, and their SHA-256: the configuration, tokenizer and
/// weight files at the top level of the folder (<c>.json</c>, <c>.txt</c>, <c>.safetensors</c>, <c>.bin</c>,
/// <c>.onnx</c>, <c>.onnx.data</c>, <c>.pt</c>, <c>.pth</c>), not documentation, plots or hidden files. A loaded pipeline
/// refuses a folder where one of them changed, disappeared or appeared.
/// </summary>
internal static class ModelFiles
{
    private static readonly string[] s_extensions = [".json", ".txt", ".safetensors", ".bin", ".onnx", ".data", ".pt", ".pth"];

    /// <summary>The names of the files a pipeline depends on, in ordinal order.</summary>
    public static IReadOnlyList<string> Names(string folder) =>
        [.. Directory.EnumerateFiles(folder)
            .Select(Path.GetFileName)
            .OfType<string>()
            .Where(name => !name.StartsWith('.') && s_extensions.Any(e => name.EndsWith(e, StringComparison.OrdinalIgnoreCase)))
            .Order(StringComparer.Ordinal)];

    /// <summary>Hashes the files of <paramref name="folder"/> the pipeline depends on.</summary>
    public static IReadOnlyList<ModelFile> Describe(string folder)
    {
        IReadOnlyList<string> names = Names(folder);
        if (names.Count == 0)
        {
            throw new InvalidDataException($"The model folder '{folder}' holds no configuration, vocabulary or weight files; featurize from a model folder (config.json, vocab.txt, weights).");
        }

        return [.. names.Select(name =>
        {
            string path = Path.Combine(folder, name);
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
            return new ModelFile(name, file.Length, Convert.ToHexStringLower(SHA256.HashData(file)));
        })];
    }

    /// <summary>One hash over every file's name and hash: names an embedded model's extraction folder.</summary>
    public static string CombinedHash(IEnumerable<ModelFile> files)
    {
        var text = new StringBuilder();
        foreach (ModelFile file in files.OrderBy(f => f.Name, StringComparer.Ordinal))
        {
            text.Append(file.Name).Append('\t').Append(file.Sha256).Append('\n');
        }

        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }

    /// <summary>Checks that <paramref name="folder"/> holds exactly the recorded files with the recorded hashes.</summary>
    /// <param name="folder">The model folder found for the pipeline.</param>
    /// <param name="recorded">The files as saved.</param>
    /// <param name="origin">The pipeline file, for the message.</param>
    /// <param name="where">How the folder was found (relative path, Hub id, embedded), for the message.</param>
    /// <exception cref="InvalidDataException">A file differs, is missing, or is new.</exception>
    public static void Verify(string folder, IReadOnlyList<ModelFile> recorded, string origin, string where)
    {
        foreach (ModelFile file in recorded)
        {
            string path = Path.Combine(folder, file.Name);
            if (!File.Exists(path))
            {
                throw new InvalidDataException(
                    $"{origin} was saved with a model whose folder held '{file.Name}', but '{path}' ({where}) does not exist. "
                    + "Put the model the pipeline was saved with back there, or save the pipeline again with ModelStorage = Embed so it carries the model.");
            }

            string actual;
            using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20))
            {
                actual = Convert.ToHexStringLower(SHA256.HashData(stream));
            }

            if (actual != file.Sha256)
            {
                throw new InvalidDataException(
                    $"{origin} refuses the model at '{folder}' ({where}): its file '{file.Name}' has changed since the pipeline was saved "
                    + $"(SHA-256 now {actual}, saved {file.Sha256}). The pipeline's learner was trained on that model's embeddings; "
                    + "restore the original model, or refit and save the pipeline with the new one.");
            }
        }

        string? added = Names(folder).FirstOrDefault(name => !recorded.Any(f => f.Name == name));
        if (added is not null)
        {
            throw new InvalidDataException(
                $"{origin} refuses the model at '{folder}' ({where}): it now holds '{added}', which it did not when the pipeline was saved "
                + "(a model file added can change which weights load). Remove it, or refit and save the pipeline with the folder as it is.");
        }
    }
}
