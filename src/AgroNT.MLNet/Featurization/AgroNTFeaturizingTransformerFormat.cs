using AgroNT.Transforms.ModelFolders;
using System.IO.Compression;
using System.Text.Json;
using System.Text.Json.Serialization;
using AgroNT.MLNet.Checkpoints;
using AgroNT.MLNet.Training.FineTuning;
using AgroNT.Transforms.Embeddings;
using AgroNT.Transforms.Tokenization;

namespace AgroNT.MLNet.Featurization;

/// <summary>
/// The saved form of an <see cref="AgroNTFeaturizingTransformer"/>: a zip archive holding <c>manifest.json</c> (format
/// name, format version, columns, embedding options, read-ahead, model options, the model's shape, and the model folder
/// as an absolute path, or none when the file is an entry of a saved pipeline, which records the model itself). The
/// weights are referenced, never copied. Readers accept every version up to <see cref="CurrentVersion"/> and refuse newer ones.
/// </summary>
/// <remarks>Version history: 1 — first version. 2 — <c>model.folder</c> may be absent (the container supplies the model);
/// <c>embeddingCacheBytes</c> added (absent in version 1: the default). 3 — <c>embedding.strand</c>
/// (<see cref="DnaEmbeddingOptions.Strand"/>; older files, which have none, load as <see cref="Strand.Forward"/>).</remarks>
internal static class AgroNTFeaturizingTransformerFormat
{
    public const string FormatName = "AgroNT.AgroNTFeaturizingTransformer";
    public const int CurrentVersion = 3;
    public const string ManifestEntry = AgroNT.Transforms.VersionedManifest.EntryName;

    private static readonly JsonSerializerOptions s_json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter() },
    };

    public static void Save(AgroNTFeaturizingTransformer transformer, string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        Manifest manifest = ToManifest(transformer); // before any file exists: an unsavable transformer leaves nothing behind
        string target = Path.GetFullPath(path);
        string folder = Path.GetDirectoryName(target)!;
        string temporary = Path.Combine(folder, $".{Path.GetFileName(target)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write))
            {
                Write(manifest, file);
                file.Flush(flushToDisk: true);
            }

            // A rename within one folder replaces the old file in one step: readers see the old featurizer or the new one.
            File.Move(temporary, target, overwrite: true);
        }
        catch
        {
            if (File.Exists(temporary))
            {
                File.Delete(temporary);
            }

            throw;
        }
    }

    public static void Save(AgroNTFeaturizingTransformer transformer, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        Write(ToManifest(transformer), stream);
    }

    /// <summary>Writes the settings without the model folder, for a container (a saved pipeline) that records the model
    /// itself and passes its folder to <see cref="Load(Stream, string, string?)"/>.</summary>
    public static void SaveWithoutFolder(AgroNTFeaturizingTransformer transformer, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        Manifest manifest = ToManifest(transformer, includeFolder: false);
        Write(manifest, stream);
    }

    public static AgroNTFeaturizingTransformer Load(string path, string? modelFolder)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        string full = Path.GetFullPath(path);
        if (!File.Exists(full))
        {
            throw new FileNotFoundException($"No saved AgroNTFeaturizingTransformer at '{full}'.", full);
        }

        using var file = new FileStream(full, FileMode.Open, FileAccess.Read, FileShare.Read);
        return Load(file, $"'{full}'", modelFolder);
    }

    public static AgroNTFeaturizingTransformer Load(Stream stream, string origin, string? modelFolder)
    {
        ArgumentNullException.ThrowIfNull(stream);
        Manifest manifest = ReadManifest(stream, origin);
        ModelManifest m = manifest.Model;
        string folder;
        if (modelFolder is null)
        {
            if (m.Folder is null)
            {
                throw new InvalidDataException(
                    $"{origin} names no model folder (it was saved as part of a pipeline, which records the model): load the pipeline with "
                    + "mlContext.Model.LoadAgroNT, or pass the model folder to AgroNTFeaturizingTransformer.Load(path, modelFolder).");
            }

            if (!Directory.Exists(m.Folder))
            {
                throw new DirectoryNotFoundException(
                    $"{origin} featurizes with the model folder '{m.Folder}', which does not exist. The file holds the model by reference "
                    + "(its absolute path), not its weights: put the model folder back there, or pass its new place to AgroNTFeaturizingTransformer.Load(path, modelFolder).");
            }

            folder = m.Folder;
        }
        else
        {
            folder = HuggingFaceModelLocator.Resolve(modelFolder);
        }

        TokenizerManifest t = m.Tokenizer;
        var modelOptions = new AgroNTModelOptions
        {
            Device = m.Device,
            Precision = m.Precision,
            CheckpointFormat = m.CheckpointFormat,
            Tokenizer = new KmerTokenizerOptions
            {
                Mode = t.Mode,
                Whitespace = t.Whitespace,
                Digits = t.Digits,
                LengthPolicy = t.LengthPolicy,
                MaxTokens = t.MaxTokens,
                WindowStride = t.WindowStride,
                AddClsToken = t.AddClsToken,
            },
        };
        EmbeddingManifest e = manifest.Embedding;
        var embedding = new AgroNTEmbeddingOptions
        {
            Layer = e.Layer,
            Pooling = e.Pooling,
            BatchSize = e.BatchSize,
            MaxBatchTokens = e.MaxBatchTokens,
            WindowAggregation = e.WindowAggregation,
            Strand = e.Strand,
        };

        AgroNTModel model = AgroNTModel.Load(folder, modelOptions);
        try
        {
            ArchitectureManifest a = m.Architecture;
            if (model.Config.HiddenSize != a.HiddenSize || model.Config.NumHiddenLayers != a.NumHiddenLayers || model.Config.VocabSize != a.VocabSize)
            {
                throw new InvalidDataException(
                    $"{origin} was saved with a model of hidden size {a.HiddenSize}, {a.NumHiddenLayers} layers and {a.VocabSize} tokens, "
                    + $"but '{folder}' now holds one of hidden size {model.Config.HiddenSize}, {model.Config.NumHiddenLayers} layers and {model.Config.VocabSize} tokens; "
                    + "the file refers to its model by path, and that folder has changed.");
            }

            return new AgroNTFeaturizingTransformer(model, ownsModel: true, folder, modelOptions,
                manifest.Columns.Input, manifest.Columns.Output, embedding, manifest.ReadAheadRows,
                manifest.EmbeddingCacheBytes ?? AgroNTFeaturizingDefaults.EmbeddingCacheBytes);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    private static Manifest ToManifest(AgroNTFeaturizingTransformer transformer, bool includeFolder = true)
    {
        string? folder = !includeFolder ? null : transformer.ModelFolder ?? throw new InvalidOperationException(
            "This featurizer's model was created in memory and has no folder, and a saved featurizer refers to its model by folder. "
            + "Save the model with AgroNTModel.Save(folder), featurize with that ModelFolder, and save the featurizer then.");
        AgroNTModelOptions o = transformer.ModelOptions;
        KmerTokenizerOptions t = o.Tokenizer;
        AgroNTEmbeddingOptions e = transformer.EmbeddingOptions;
        var config = transformer.Model.Config;
        return new Manifest(
            FormatName,
            CurrentVersion,
            new ColumnsManifest(transformer.InputColumnName, transformer.OutputColumnName),
            new ModelManifest(
                folder is null ? null : Path.GetFullPath(folder),
                o.Device,
                o.Precision,
                o.CheckpointFormat,
                new TokenizerManifest(t.Mode, t.Whitespace, t.Digits, t.LengthPolicy, t.MaxTokens, t.WindowStride, t.AddClsToken),
                new ArchitectureManifest(config.HiddenSize, config.NumHiddenLayers, config.VocabSize)),
            new EmbeddingManifest(e.Layer, e.Pooling, e.BatchSize, e.MaxBatchTokens, e.WindowAggregation, e.Strand),
            transformer.ReadAheadRows,
            transformer.EmbeddingCacheBytes);
    }

    private static void Write(Manifest manifest, Stream stream)
    {
        using var archive = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true);
        using Stream entry = archive.CreateEntry(ManifestEntry, CompressionLevel.Optimal).Open();
        JsonSerializer.Serialize(entry, manifest, s_json);
    }

    private static Manifest ReadManifest(Stream stream, string origin)
    {
        ZipArchive archive;
        try
        {
            archive = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{origin} is not a saved AgroNTFeaturizingTransformer (not a zip archive).", e);
        }

        using (archive)
        {
            Manifest? manifest = AgroNT.Transforms.VersionedManifest.Read<Manifest>(
                archive, origin, nameof(AgroNTFeaturizingTransformer), FormatName, CurrentVersion, "AgroNT.MLNet", s_json);
            if (manifest?.Columns is null || manifest.Model?.Tokenizer is null || manifest.Model.Architecture is null || manifest.Embedding is null
                || (manifest.Model.Folder is not null && string.IsNullOrWhiteSpace(manifest.Model.Folder)) || (manifest.FormatVersion < 2 && manifest.Model.Folder is null)
                || manifest.ReadAheadRows <= 0 || manifest.EmbeddingCacheBytes < 0)
            {
                throw new InvalidDataException($"{origin}: {ManifestEntry} lacks required settings; the file is damaged.");
            }

            return manifest;
        }
    }

    internal sealed record Manifest(string Format, int FormatVersion, ColumnsManifest Columns, ModelManifest Model, EmbeddingManifest Embedding, int ReadAheadRows, long? EmbeddingCacheBytes);

    internal sealed record ColumnsManifest(string Input, string Output);

    internal sealed record ModelManifest(string? Folder, string Device, Precision Precision, CheckpointFormat CheckpointFormat, TokenizerManifest Tokenizer, ArchitectureManifest Architecture);

    internal sealed record TokenizerManifest(TokenizerMode Mode, CharacterHandling Whitespace, CharacterHandling Digits, LengthPolicy LengthPolicy, int? MaxTokens, int? WindowStride, bool AddClsToken);

    internal sealed record ArchitectureManifest(int HiddenSize, int NumHiddenLayers, int VocabSize);

    // Strand is new in version 2; a version 1 manifest has no "strand" and reads as Forward.
    internal sealed record EmbeddingManifest(int? Layer, Pooling Pooling, int BatchSize, int? MaxBatchTokens, WindowAggregation WindowAggregation, Strand Strand = Strand.Forward);
}
