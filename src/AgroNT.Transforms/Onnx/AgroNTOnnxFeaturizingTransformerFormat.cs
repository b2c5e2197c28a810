using System.IO.Compression;
using System.Text.Json;
using System.Text.Json.Serialization;
using AgroNT.Transforms.Embeddings;
using AgroNT.Transforms.Tokenization;

namespace AgroNT.Transforms.Onnx;

/// <summary>
/// The saved form of an <see cref="AgroNTOnnxFeaturizingTransformer"/>: a zip archive holding <c>manifest.json</c> (format
/// name, format version, columns, rows per block, cache budget, every <see cref="AgroNTOnnxEmbedderOptions"/> setting, and
/// the model's output name and hidden size, checked on load). The model folder is not recorded: the container (a saved
/// pipeline) records the model and passes its folder to <see cref="Load"/>. Readers accept every version up to
/// <see cref="CurrentVersion"/> and refuse newer ones.
/// </summary>
/// <remarks>Version history: 1 — first version.</remarks>
internal static class AgroNTOnnxFeaturizingTransformerFormat
{
    public const string FormatName = "AgroNT.AgroNTOnnxFeaturizingTransformer";
    public const int CurrentVersion = 1;

    private static readonly JsonSerializerOptions s_json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter() },
    };

    public static void Save(AgroNTOnnxFeaturizingTransformer transformer, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(transformer);
        ArgumentNullException.ThrowIfNull(stream);
        AgroNTOnnxEmbedder embedder = transformer.Embedder;
        AgroNTOnnxEmbedderOptions o = embedder.Options;
        KmerTokenizerOptions? t = o.Tokenizer;
        var manifest = new Manifest(
            FormatName,
            CurrentVersion,
            new ColumnsManifest(transformer.InputColumnName, transformer.OutputColumnName),
            transformer.RowsPerBlock,
            transformer.EmbeddingCacheBytes,
            new EmbedderManifest(
                o.Layer,
                o.Pooling,
                o.BatchSize,
                o.MaxBatchTokens,
                o.MaxPaddingFraction,
                o.WindowAggregation,
                t is null ? null : new TokenizerManifest(t.Mode, t.Whitespace, t.Digits, t.LengthPolicy, t.MaxTokens, t.WindowStride, t.AddClsToken),
                o.ExecutionProvider,
                o.CudaDeviceId,
                o.IntraOpThreads),
            new ModelManifest(embedder.OutputName, embedder.HiddenSize));

        using var archive = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true);
        using Stream entry = archive.CreateEntry(VersionedManifest.EntryName, CompressionLevel.Optimal).Open();
        JsonSerializer.Serialize(entry, manifest, s_json);
    }

    /// <summary>Reads the settings and opens an embedder on <paramref name="modelFolder"/>, which the transformer owns.</summary>
    /// <param name="stream">The archive.</param>
    /// <param name="origin">The file or entry named in errors.</param>
    /// <param name="modelFolder">The ONNX model folder.</param>
    public static AgroNTOnnxFeaturizingTransformer Load(Stream stream, string origin, string modelFolder)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentException.ThrowIfNullOrWhiteSpace(modelFolder);
        Manifest manifest = ReadManifest(stream, origin);
        EmbedderManifest e = manifest.Embedder;
        TokenizerManifest? t = e.Tokenizer;
        var options = new AgroNTOnnxEmbedderOptions
        {
            Layer = e.Layer,
            Pooling = e.Pooling,
            BatchSize = e.BatchSize,
            MaxBatchTokens = e.MaxBatchTokens,
            MaxPaddingFraction = e.MaxPaddingFraction,
            WindowAggregation = e.WindowAggregation,
            Tokenizer = t is null ? null : new KmerTokenizerOptions
            {
                Mode = t.Mode,
                Whitespace = t.Whitespace,
                Digits = t.Digits,
                LengthPolicy = t.LengthPolicy,
                MaxTokens = t.MaxTokens,
                WindowStride = t.WindowStride,
                AddClsToken = t.AddClsToken,
            },
            ExecutionProvider = e.ExecutionProvider,
            CudaDeviceId = e.CudaDeviceId,
            IntraOpThreads = e.IntraOpThreads,
        };

        var embedder = new AgroNTOnnxEmbedder(modelFolder, options);
        try
        {
            ModelManifest m = manifest.Model;
            if (embedder.HiddenSize != m.HiddenSize || embedder.OutputName != m.OutputName)
            {
                throw new InvalidDataException(
                    $"{origin} was saved with an ONNX model whose output '{m.OutputName}' has hidden size {m.HiddenSize}, but '{embedder.ModelFolder}' "
                    + $"gives '{embedder.OutputName}' of hidden size {embedder.HiddenSize}: the model folder is not the one the featurizer was saved with.");
            }

            return new AgroNTOnnxFeaturizingTransformer(embedder, ownsEmbedder: true, manifest.Columns.Input, manifest.Columns.Output,
                manifest.RowsPerBlock, manifest.EmbeddingCacheBytes);
        }
        catch
        {
            embedder.Dispose();
            throw;
        }
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
            throw new InvalidDataException($"{origin} is not a saved {nameof(AgroNTOnnxFeaturizingTransformer)} (not a zip archive).", e);
        }

        using (archive)
        {
            Manifest? manifest = VersionedManifest.Read<Manifest>(
                archive, origin, nameof(AgroNTOnnxFeaturizingTransformer), FormatName, CurrentVersion, "AgroNT.Transforms", s_json);
            if (manifest?.Columns is null || manifest.Embedder is null || manifest.Model is null
                || string.IsNullOrWhiteSpace(manifest.Columns.Input) || string.IsNullOrWhiteSpace(manifest.Columns.Output)
                || manifest.RowsPerBlock <= 0 || manifest.EmbeddingCacheBytes < 0)
            {
                throw new InvalidDataException($"{origin}: {VersionedManifest.EntryName} lacks required settings; the file is damaged.");
            }

            return manifest;
        }
    }

    internal sealed record Manifest(string Format, int FormatVersion, ColumnsManifest Columns, int RowsPerBlock, long EmbeddingCacheBytes, EmbedderManifest Embedder, ModelManifest Model);

    internal sealed record ColumnsManifest(string Input, string Output);

    internal sealed record EmbedderManifest(
        int? Layer,
        Pooling Pooling,
        int BatchSize,
        int? MaxBatchTokens,
        double MaxPaddingFraction,
        WindowAggregation WindowAggregation,
        TokenizerManifest? Tokenizer,
        OnnxExecutionProvider ExecutionProvider,
        int CudaDeviceId,
        int? IntraOpThreads);

    internal sealed record TokenizerManifest(TokenizerMode Mode, CharacterHandling Whitespace, CharacterHandling Digits, LengthPolicy LengthPolicy, int? MaxTokens, int? WindowStride, bool AddClsToken);

    internal sealed record ModelManifest(string OutputName, int HiddenSize);
}
