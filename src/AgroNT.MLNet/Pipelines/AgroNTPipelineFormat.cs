using System.Globalization;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using AgroNT.MLNet.Checkpoints;
using AgroNT.MLNet.Featurization;
using AgroNT.Transforms;
using AgroNT.Transforms.IO;
using AgroNT.Transforms.ModelFolders;
using AgroNT.Transforms.Onnx;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace AgroNT.MLNet.Pipelines;

/// <summary>
/// The saved form of a fitted pipeline that mixes AgroNT's transformers with ML.NET's: one zip archive holding
/// <list type="bullet">
/// <item><c>manifest.json</c>: <c>format</c> (<c>AgroNT.Pipeline</c>), <c>formatVersion</c>, the stages in order, and
/// the models the featurizers run (how each is stored, and each model file's name, length and SHA-256);</item>
/// <item><c>input-schema.zip</c>: an empty ML.NET model saved by <c>mlContext.Model.Save</c> with the pipeline's input schema;</item>
/// <item><c>stages/N.zip</c>, one per stage: an AgroNT transformer in its own save format (the featurizers' without
/// any model folder), or a run of consecutive ML.NET transformers saved by ML.NET itself with its input schema;</item>
/// <item><c>models/N/…</c>: the model's files, when embedded.</item>
/// </list>
/// No absolute path is ever written: a referenced model is recorded as a Hub id with its commit or as a path relative to
/// the archive's folder. Readers accept every version up to <see cref="CurrentVersion"/> and refuse newer ones.
/// </summary>
/// <remarks>Version history: 1 — first version.</remarks>
internal static partial class AgroNTPipelineFormat
{
    public const string FormatName = "AgroNT.Pipeline";
    public const int CurrentVersion = 1;
    public const string InputSchemaEntry = "input-schema.zip";

    private static readonly JsonSerializerOptions s_json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter() },
    };

    public static void Save(ModelOperationsCatalog catalog, ITransformer model, DataViewSchema inputSchema, string path, AgroNTPipelineSaveOptions options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(inputSchema);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(options);

        string destination = Path.GetFullPath(path);
        string fileFolder = Path.GetDirectoryName(destination)!;
        List<ITransformer> transformers = [];
        Flatten(model, transformers);

        // Stages: each AgroNT transformer alone, each run of other transformers together (ML.NET saves a run as one chain).
        var stages = new List<(StageKind Kind, List<ITransformer> Members, DataViewSchema Input)>();
        DataViewSchema schema = inputSchema;
        foreach (ITransformer transformer in transformers)
        {
            StageKind kind = KindOf(transformer);
            if (kind == StageKind.MLNet && stages.Count > 0 && stages[^1].Kind == StageKind.MLNet)
            {
                stages[^1].Members.Add(transformer);
            }
            else
            {
                stages.Add((kind, [transformer], schema));
            }

            schema = transformer.GetOutputSchema(schema);
        }

        using StagedFile staged = StagedFile.Create(destination);
        var modelFolders = new List<string>();
        var models = new List<ModelManifest>();
        var stageManifests = new List<StageManifest>();
        using (var archive = new ZipArchive(staged.Stream, ZipArchiveMode.Create, leaveOpen: true))
        {
            WriteEntry(archive, InputSchemaEntry, stream => catalog.Save(new TransformerChain<ITransformer>(), inputSchema, stream));
            for (int i = 0; i < stages.Count; i++)
            {
                (StageKind kind, List<ITransformer> members, DataViewSchema stageInput) = stages[i];
                string entry = string.Create(CultureInfo.InvariantCulture, $"stages/{i}.zip");
                int? modelIndex = null;
                switch (kind)
                {
                    case StageKind.KmerTokenizing:
                        WriteEntry(archive, entry, stream => ((KmerTokenizingTransformer)members[0]).Save(stream));
                        break;
                    case StageKind.AgroNTFeaturizing:
                        var featurizer = (AgroNTFeaturizingTransformer)members[0];
                        modelIndex = AddModel(archive, featurizer.ModelFolder ?? throw new InvalidOperationException(
                            $"Stage {i} (AgroNTFeaturizingTransformer) runs a model created in memory, which has no folder to save or refer to. "
                            + "Save the model with AgroNTModel.Save(folder), featurize with that ModelFolder, refit, and save the pipeline then."),
                            fileFolder, options.ModelStorage, modelFolders, models);
                        WriteEntry(archive, entry, stream => AgroNTFeaturizingTransformerFormat.SaveWithoutFolder(featurizer, stream));
                        break;
                    case StageKind.AgroNTOnnxFeaturizing:
                        var onnx = (AgroNTOnnxFeaturizingTransformer)members[0];
                        modelIndex = AddModel(archive, onnx.Embedder.ModelFolder, fileFolder, options.ModelStorage, modelFolders, models);
                        WriteEntry(archive, entry, stream => AgroNTOnnxFeaturizingTransformerFormat.Save(onnx, stream));
                        break;
                    default:
                        WriteEntry(archive, entry, stream => SaveMLNet(catalog, members, stageInput, stream, i));
                        break;
                }

                stageManifests.Add(new StageManifest(kind, entry, modelIndex, [.. members.Select(m => m.GetType().Name)]));
            }

            var manifest = new Manifest(FormatName, CurrentVersion, InputSchemaEntry, [.. stageManifests], [.. models]);
            WriteEntry(archive, VersionedManifest.EntryName, stream => JsonSerializer.Serialize(stream, manifest, s_json), CompressionLevel.Optimal);
        }

        staged.Commit();
    }

    public static ITransformer Load(ModelOperationsCatalog catalog, string path, out DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        string full = Path.GetFullPath(path);
        if (!File.Exists(full))
        {
            throw new FileNotFoundException($"No saved AgroNT pipeline at '{full}'.", full);
        }

        string origin = $"'{full}'";
        using var file = new FileStream(full, FileMode.Open, FileAccess.Read, FileShare.Read);
        ZipArchive archive;
        try
        {
            archive = new ZipArchive(file, ZipArchiveMode.Read);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{origin} is not a saved AgroNT pipeline (not a zip archive).", e);
        }

        using (archive)
        {
            Manifest manifest = ReadManifest(archive, origin);
            using (MemoryStream schemaStream = ReadEntry(archive, manifest.InputSchema, origin))
            {
                (catalog.Load(schemaStream, out inputSchema) as IDisposable)?.Dispose();
            }

            var folders = new string?[manifest.Models.Length];
            var loaded = new List<ITransformer>();
            try
            {
                foreach (StageManifest stage in manifest.Stages)
                {
                    using MemoryStream stream = ReadEntry(archive, stage.Entry, origin);
                    string stageOrigin = $"{origin} (entry {stage.Entry})";
                    loaded.Add(stage.Kind switch
                    {
                        StageKind.KmerTokenizing => KmerTokenizingTransformer.Load(stream),
                        StageKind.AgroNTFeaturizing => AgroNTFeaturizingTransformerFormat.Load(stream, stageOrigin, ModelFolderOf(stage, manifest, archive, full, origin, folders)),
                        StageKind.AgroNTOnnxFeaturizing => AgroNTOnnxFeaturizingTransformerFormat.Load(stream, stageOrigin, ModelFolderOf(stage, manifest, archive, full, origin, folders)),
                        _ => catalog.Load(stream, out _),
                    });
                }
            }
            catch
            {
                foreach (ITransformer transformer in loaded)
                {
                    (transformer as IDisposable)?.Dispose();
                }

                throw;
            }

            return new TransformerChain<ITransformer>([.. loaded]);
        }
    }

    /// <summary>The transformers of a chain, nested chains opened, in order.</summary>
    private static void Flatten(ITransformer transformer, List<ITransformer> into)
    {
        if (transformer is IEnumerable<ITransformer> chain)
        {
            foreach (ITransformer inner in chain)
            {
                Flatten(inner, into);
            }
        }
        else
        {
            into.Add(transformer);
        }
    }

    private static StageKind KindOf(ITransformer transformer) => transformer switch
    {
        KmerTokenizingTransformer => StageKind.KmerTokenizing,
        AgroNTFeaturizingTransformer => StageKind.AgroNTFeaturizing,
        AgroNTOnnxFeaturizingTransformer => StageKind.AgroNTOnnxFeaturizing,
        _ => StageKind.MLNet,
    };

    private static void SaveMLNet(ModelOperationsCatalog catalog, List<ITransformer> members, DataViewSchema input, Stream stream, int stage)
    {
        try
        {
            catalog.Save(new TransformerChain<ITransformer>([.. members]), input, stream);
        }
        catch (Exception e) when (e is NotSupportedException or InvalidOperationException or ArgumentException)
        {
            throw new NotSupportedException(
                $"Stage {stage} of the pipeline ({string.Join(", ", members.Select(m => m.GetType().Name))}) could not be saved by ML.NET: {e.Message} "
                + "SaveAgroNT stores AgroNT's transformers itself and every other transformer through mlContext.Model.Save, so each of those must be one ML.NET can save.", e);
        }
    }

    /// <summary>Records the model in <paramref name="folder"/> once (embedding its files or referring to it) and returns its index.</summary>
    private static int AddModel(ZipArchive archive, string folder, string fileFolder, AgroNTPipelineModelStorage storage, List<string> folders, List<ModelManifest> models)
    {
        string full = Path.GetFullPath(folder);
        int existing = folders.IndexOf(full);
        if (existing >= 0)
        {
            return existing;
        }

        int index = models.Count;
        ModelManifest model;
        if (storage == AgroNTPipelineModelStorage.Embed)
        {
            string prefix = string.Create(CultureInfo.InvariantCulture, $"models/{index}/");
            var files = new List<ModelFile>();
            foreach (string name in ModelFiles.Names(full))
            {
                files.Add(Embed(archive, Path.Combine(full, name), prefix + name));
            }

            if (files.Count == 0)
            {
                throw new InvalidDataException($"The model folder '{full}' holds no configuration, vocabulary or weight files to embed.");
            }

            model = new ModelManifest(ModelLocation.Embedded, prefix, [.. files]);
        }
        else if (HubIdOf(full) is { } hubId)
        {
            model = new ModelManifest(ModelLocation.HubId, hubId, [.. ModelFiles.Describe(full)]);
        }
        else
        {
            string relative = Path.GetRelativePath(fileFolder, full);
            if (Path.IsPathRooted(relative))
            {
                throw new InvalidOperationException(
                    $"The model folder '{full}' cannot be referred to relative to '{fileFolder}' (another drive or root), and a saved pipeline never records an absolute path. "
                    + "Save with new AgroNTPipelineSaveOptions { ModelStorage = AgroNTPipelineModelStorage.Embed }, or save the pipeline beside the model.");
            }

            model = new ModelManifest(ModelLocation.RelativePath, relative.Replace(Path.DirectorySeparatorChar, '/'), [.. ModelFiles.Describe(full)]);
        }

        folders.Add(full);
        models.Add(model);
        return index;
    }

    /// <summary>Copies a model file into the archive, hashing it on the way.</summary>
    private static ModelFile Embed(ZipArchive archive, string path, string entryName)
    {
        using var source = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        // Weights barely compress; small text files do.
        CompressionLevel level = source.Length > (1 << 20) ? CompressionLevel.NoCompression : CompressionLevel.Optimal;
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using (Stream target = archive.CreateEntry(entryName, level).Open())
        {
            byte[] buffer = new byte[1 << 20];
            int read;
            while ((read = source.Read(buffer, 0, buffer.Length)) > 0)
            {
                hash.AppendData(buffer, 0, read);
                target.Write(buffer, 0, read);
            }
        }

        return new ModelFile(Path.GetFileName(path), source.Length, Convert.ToHexStringLower(hash.GetHashAndReset()));
    }

    /// <summary>The Hub id and commit of a snapshot folder of a Hugging Face cache (<c>…/models--ORG--NAME/snapshots/COMMIT</c>), else null.</summary>
    internal static string? HubIdOf(string folder)
    {
        var snapshot = new DirectoryInfo(folder);
        DirectoryInfo? snapshots = snapshot.Parent;
        DirectoryInfo? repository = snapshots?.Parent;
        if (snapshots?.Name != "snapshots" || repository is null || !CommitHash().IsMatch(snapshot.Name))
        {
            return null;
        }

        Match match = CacheFolderName().Match(repository.Name);
        return match.Success ? $"{match.Groups["org"].Value}/{match.Groups["name"].Value}@{snapshot.Name}" : null;
    }

    /// <summary>Finds (or, when embedded, extracts) the model of a featurizing stage once, and checks its files' hashes.</summary>
    private static string ModelFolderOf(StageManifest stage, Manifest manifest, ZipArchive archive, string pipelinePath, string origin, string?[] folders)
    {
        if (stage.Model is not { } index || index < 0 || index >= manifest.Models.Length)
        {
            throw new InvalidDataException($"{origin}: stage {stage.Entry} names no model the manifest records; the file is damaged.");
        }

        if (folders[index] is { } known)
        {
            return known;
        }

        ModelManifest model = manifest.Models[index];
        string folder;
        string where;
        switch (model.Location)
        {
            case ModelLocation.Embedded:
                folder = Extract(archive, model, origin);
                where = "embedded in the pipeline, extracted";
                break;
            case ModelLocation.HubId:
                folder = HuggingFaceModelLocator.Resolve(model.Path);
                where = $"the Hub model {model.Path} in the local cache";
                break;
            default:
                folder = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(pipelinePath)!, model.Path.Replace('/', Path.DirectorySeparatorChar)));
                if (!Directory.Exists(folder))
                {
                    throw new DirectoryNotFoundException(
                        $"{origin} refers to its model folder as '{model.Path}', relative to the pipeline file's folder, and '{folder}' does not exist. "
                        + "Keep the model at that place relative to the file when moving them, or save the pipeline with ModelStorage = Embed to carry the model inside it.");
                }

                where = $"'{model.Path}' relative to the pipeline file";
                break;
        }

        ModelFiles.Verify(folder, model.Files, origin, where);
        folders[index] = folder;
        return folder;
    }

    /// <summary>
    /// Extracts an embedded model into a folder of the temporary directory named by the hash of its files, so loading the
    /// same pipeline again reuses it; an existing folder is used only if its files verify.
    /// </summary>
    private static string Extract(ZipArchive archive, ModelManifest model, string origin)
    {
        string root = Path.Combine(Path.GetTempPath(), "agront-pipeline-models");
        string folder = Path.Combine(root, ModelFiles.CombinedHash(model.Files)[..32]);
        if (Directory.Exists(folder))
        {
            try
            {
                ModelFiles.Verify(folder, model.Files, origin, "a previous extraction");
                return folder;
            }
            catch (InvalidDataException)
            {
                Directory.Delete(folder, recursive: true);
            }
        }

        string staging = folder + ".tmp-" + Guid.NewGuid().ToString("N")[..12];
        Directory.CreateDirectory(staging);
        try
        {
            foreach (ModelFile file in model.Files)
            {
                if (file.Name.Contains('/') || file.Name.Contains('\\') || file.Name is "." or "..")
                {
                    throw new InvalidDataException($"{origin}: the embedded model file name '{file.Name}' is not a plain file name; the file is damaged.");
                }

                ZipArchiveEntry entry = archive.GetEntry(model.Path + file.Name)
                    ?? throw new InvalidDataException($"{origin} has no entry '{model.Path + file.Name}', which its manifest names; the file is damaged.");
                using Stream source = entry.Open();
                using var target = new FileStream(Path.Combine(staging, file.Name), FileMode.CreateNew, FileAccess.Write);
                source.CopyTo(target, 1 << 20);
            }

            try
            {
                Directory.Move(staging, folder);
            }
            catch (IOException) when (Directory.Exists(folder))
            {
                // Another process extracted the same model first; its copy is verified below like ours would be.
                Directory.Delete(staging, recursive: true);
            }
        }
        catch
        {
            if (Directory.Exists(staging))
            {
                Directory.Delete(staging, recursive: true);
            }

            throw;
        }

        return folder;
    }

    private static void WriteEntry(ZipArchive archive, string name, Action<Stream> write, CompressionLevel level = CompressionLevel.NoCompression)
    {
        // The writers (ML.NET's among them) get a seekable stream; the nested archives are stored as they are.
        using var buffer = new MemoryStream();
        write(buffer);
        buffer.Position = 0;
        using Stream entry = archive.CreateEntry(name, level).Open();
        buffer.CopyTo(entry);
    }

    private static MemoryStream ReadEntry(ZipArchive archive, string name, string origin)
    {
        ZipArchiveEntry entry = archive.GetEntry(name)
            ?? throw new InvalidDataException($"{origin} has no entry '{name}', which its manifest names; the file is damaged.");
        var buffer = new MemoryStream();
        using (Stream stream = entry.Open())
        {
            stream.CopyTo(buffer);
        }

        buffer.Position = 0;
        return buffer;
    }

    private static Manifest ReadManifest(ZipArchive archive, string origin)
    {
        Manifest? manifest = VersionedManifest.Read<Manifest>(archive, origin, "AgroNT pipeline", FormatName, CurrentVersion, "AgroNT.MLNet", s_json);
        if (manifest?.Stages is null || manifest.Models is null || string.IsNullOrWhiteSpace(manifest.InputSchema)
            || manifest.Stages.Any(s => s is null || string.IsNullOrWhiteSpace(s.Entry))
            || manifest.Models.Any(m => m is null || m.Path is null || m.Files is null || m.Files.Length == 0))
        {
            throw new InvalidDataException($"{origin}: {VersionedManifest.EntryName} lacks required settings; the file is damaged.");
        }

        return manifest;
    }

    [GeneratedRegex("^[0-9a-f]{40}$")]
    private static partial Regex CommitHash();

    [GeneratedRegex("^models--(?<org>[^-][^/]*?)--(?<name>[^/]+)$")]
    private static partial Regex CacheFolderName();

    internal enum StageKind
    {
        KmerTokenizing,
        AgroNTFeaturizing,
        AgroNTOnnxFeaturizing,
        MLNet,
    }

    internal enum ModelLocation
    {
        Embedded,
        RelativePath,
        HubId,
    }

    internal sealed record Manifest(string Format, int FormatVersion, string InputSchema, StageManifest[] Stages, ModelManifest[] Models);

    /// <param name="Kind">What the entry holds.</param>
    /// <param name="Entry">The nested archive.</param>
    /// <param name="Model">The index in <see cref="Manifest.Models"/> of a featurizer's model.</param>
    /// <param name="Transformers">The transformer types of the stage, for people reading the manifest.</param>
    internal sealed record StageManifest(StageKind Kind, string Entry, int? Model, string[] Transformers);

    /// <param name="Location">How the model is found.</param>
    /// <param name="Path">The entry prefix (embedded), the path relative to the archive's folder with '/' separators, or <c>ORG/NAME@COMMIT</c>.</param>
    /// <param name="Files">The model's files and their SHA-256.</param>
    internal sealed record ModelManifest(ModelLocation Location, string Path, ModelFile[] Files);
}
