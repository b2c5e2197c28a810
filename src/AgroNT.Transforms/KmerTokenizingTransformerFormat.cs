using System.IO.Compression;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using AgroNT.Transforms.Tokenization;

namespace AgroNT.Transforms;

/// <summary>
/// The saved form of a <see cref="KmerTokenizingTransformer"/>: a zip archive holding <c>manifest.json</c> (format name,
/// format version, columns, tokenizer options, vocabulary settings) and <c>vocab.txt</c> (one token per line, id = line,
/// as in a Hugging Face folder). Readers accept every version up to <see cref="CurrentVersion"/> and refuse newer ones.
/// </summary>
/// <remarks>Version history: 1 — first version.</remarks>
internal static class KmerTokenizingTransformerFormat
{
    public const string FormatName = "AgroNT.KmerTokenizingTransformer";
    public const int CurrentVersion = 1;
    public const string ManifestEntry = VersionedManifest.EntryName;
    public const string VocabularyEntry = "vocab.txt";

    private static readonly JsonSerializerOptions s_json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter() },
    };

    public static void Save(KmerTokenizingTransformer transformer, string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        // A rename within one folder replaces the old file in one step: readers see the old model or the new one.
        IO.StagedFile.Write(path, stream => Save(transformer, stream));
    }

    public static void Save(KmerTokenizingTransformer transformer, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        KmerVocabulary vocabulary = transformer.Tokenizer.Vocabulary;
        KmerTokenizerOptions options = transformer.Tokenizer.Options;
        var manifest = new Manifest(
            FormatName,
            CurrentVersion,
            new ColumnsManifest(transformer.InputColumnName, transformer.OutputColumnName, transformer.AttentionMaskColumnName, transformer.FixedLength),
            new TokenizerManifest(options.Mode, options.Whitespace, options.Digits, options.LengthPolicy, options.MaxTokens, options.WindowStride, options.AddClsToken),
            new VocabularyManifest(
                VocabularyEntry,
                vocabulary.Count,
                vocabulary.MaxTokens,
                vocabulary.CleanUpTokenizationSpaces,
                vocabulary.SpecialTokens.Unk,
                vocabulary.SpecialTokens.Pad,
                vocabulary.SpecialTokens.Mask,
                vocabulary.SpecialTokens.Cls,
                [.. vocabulary.SpecialTokens.Additional]));

        using var archive = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true);
        using (Stream entry = archive.CreateEntry(ManifestEntry, CompressionLevel.Optimal).Open())
        {
            JsonSerializer.Serialize(entry, manifest, s_json);
        }

        using (var writer = new StreamWriter(archive.CreateEntry(VocabularyEntry, CompressionLevel.Optimal).Open(), new UTF8Encoding(false)))
        {
            writer.Write(string.Join('\n', vocabulary.Tokens));
        }
    }

    public static KmerTokenizingTransformer Load(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        string full = Path.GetFullPath(path);
        if (!File.Exists(full))
        {
            throw new FileNotFoundException($"No saved KmerTokenizingTransformer at '{full}'.", full);
        }

        using var file = new FileStream(full, FileMode.Open, FileAccess.Read, FileShare.Read);
        return Load(file, $"'{full}'");
    }

    public static KmerTokenizingTransformer Load(Stream stream, string origin)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ZipArchive archive;
        try
        {
            archive = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{origin} is not a saved KmerTokenizingTransformer (not a zip archive).", e);
        }

        using (archive)
        {
            Manifest manifest = ReadManifest(archive, origin);
            ZipArchiveEntry vocabularyEntry = archive.GetEntry(manifest.Vocabulary.File)
                ?? throw new InvalidDataException($"{origin} has no '{manifest.Vocabulary.File}' entry, which its manifest names.");
            string[] tokens;
            using (var reader = new StreamReader(vocabularyEntry.Open(), Encoding.UTF8))
            {
                tokens = reader.ReadToEnd().Split('\n');
            }

            if (tokens.Length != manifest.Vocabulary.TokenCount)
            {
                ThrowHelper.ThrowInvalidData($"{origin}: the vocabulary holds {tokens.Length} tokens but the manifest says {manifest.Vocabulary.TokenCount}; the file is damaged.");
            }

            VocabularyManifest v = manifest.Vocabulary;
            KmerVocabulary vocabulary = KmerVocabulary.FromTokens(
                tokens,
                new KmerSpecialTokens(v.UnkToken, v.PadToken, v.MaskToken, v.ClsToken) { Additional = v.AdditionalSpecialTokens ?? [] },
                v.MaxTokens,
                v.CleanUpTokenizationSpaces);
            TokenizerManifest t = manifest.Tokenizer;
            KmerTokenizer tokenizer = KmerTokenizer.Create(vocabulary, new KmerTokenizerOptions
            {
                Mode = t.Mode,
                Whitespace = t.Whitespace,
                Digits = t.Digits,
                LengthPolicy = t.LengthPolicy,
                MaxTokens = t.MaxTokens,
                WindowStride = t.WindowStride,
                AddClsToken = t.AddClsToken,
            });
            ColumnsManifest c = manifest.Columns;
            return new KmerTokenizingEstimator(new KmerTokenizingOptions
            {
                Tokenizer = tokenizer,
                InputColumnName = c.Input,
                OutputColumnName = c.Output,
                AttentionMaskColumnName = c.AttentionMask,
                FixedLength = c.FixedLength,
            }).Fit();
        }
    }

    private static Manifest ReadManifest(ZipArchive archive, string origin) =>
        VersionedManifest.Read<Manifest>(archive, origin, nameof(KmerTokenizingTransformer), FormatName, CurrentVersion, "AgroNT.Transforms", s_json)
        ?? throw new InvalidDataException($"{origin}: {ManifestEntry} is empty.");

    internal sealed record Manifest(string Format, int FormatVersion, ColumnsManifest Columns, TokenizerManifest Tokenizer, VocabularyManifest Vocabulary);

    internal sealed record ColumnsManifest(string Input, string Output, string? AttentionMask, int? FixedLength);

    internal sealed record TokenizerManifest(TokenizerMode Mode, CharacterHandling Whitespace, CharacterHandling Digits, LengthPolicy LengthPolicy, int? MaxTokens, int? WindowStride, bool AddClsToken);

    internal sealed record VocabularyManifest(
        string File,
        int TokenCount,
        int MaxTokens,
        bool CleanUpTokenizationSpaces,
        string UnkToken,
        string PadToken,
        string MaskToken,
        string ClsToken,
        string[]? AdditionalSpecialTokens);
}
