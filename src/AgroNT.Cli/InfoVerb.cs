using System.Globalization;
using System.Text.Json;
using AgroNT.MLNet;

namespace AgroNT.Cli;

/// <summary>
/// <c>agront info --model DIR|ORG/NAME</c>: architecture, parameters, dtype, window, vocabulary, memory and files of a
/// model folder, read from config.json, vocab.txt and the weights' header without loading any tensor.
/// </summary>
internal sealed class InfoVerb : IVerb
{
    public string Name => "info";

    public string Summary => "describe a model folder or cached Hub id without loading its weights";

    public string Usage => "agront info [--model DIR|ORG/NAME] [--json]";

    public IReadOnlyList<OptionSpec> Options { get; } =
    [
        CommonOptions.Model,
        new("json", null, false, "print one JSON object instead of text"),
    ];

    public int Run(ParsedArguments args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        if (args.Positional.Count > 0)
        {
            throw new UsageException($"unexpected argument '{args.Positional[0]}'; give the model with --model DIR|ORG/NAME.");
        }
        AgroNTModelInfo info = AgroNTModelInfo.Read(CommonOptions.ModelFolder(args));
        if (args.Has("json"))
        {
            WriteJson(info, stdout);
        }
        else
        {
            WriteText(info, stdout);
        }
        foreach (string warning in info.Warnings)
        {
            stderr.WriteLine($"agront {Name}: warning: {warning}");
        }
        return 0;
    }

    private static void WriteText(AgroNTModelInfo info, TextWriter output)
    {
        var c = info.Config;
        var invariant = CultureInfo.InvariantCulture;
        void Line(string label, string value) => output.WriteLine($"{label,-13}{value}");

        Line("model", info.Folder);
        string architecture = info.Architectures.Count > 0 ? string.Join(", ", info.Architectures) : "(no architectures in config.json)";
        Line("architecture", $"{architecture}{(info.ModelType is null ? "" : $" (model_type {info.ModelType})")}: {c.NumHiddenLayers} layers, " +
            $"hidden {c.HiddenSize}, {c.NumAttentionHeads} heads of {c.HeadSize}, feed-forward {c.IntermediateSize}, {info.Variant} ({info.Family})");
        string stored = info.StoredParameterCount is { } count && count != info.ParameterCount
            ? string.Create(invariant, $"; the weights hold {count:N0}{(count == info.ParameterCount - info.ContactHeadParameters ? " (no contact head, which masked-LM use does not need)" : "")}")
            : "";
        Line("parameters", string.Create(invariant, $"{info.ParameterEstimate:N0} ({FormatCount(info.ParameterEstimate)}){stored}"));
        string dtypes = info.StoredDTypes.Count > 0 ? string.Join(", ", info.StoredDTypes) : "(no weights)";
        Line("dtype", $"stored {dtypes}; config.json torch_dtype {c.TorchDtype ?? "(not given)"}");
        Line("window", info.WindowBases is { } bases
            ? string.Create(invariant, $"{info.WindowTokens} tokens (<cls> + {info.WindowTokens - 1} {info.K}-mers = {bases:N0} bp); max_position_embeddings {c.MaxPositionEmbeddings}")
            : info.WindowResidues is { } residues
                ? string.Create(invariant, $"{info.WindowTokens} tokens (<cls> + {residues:N0} residues + <eos>)")
                : $"{info.WindowTokens} tokens; max_position_embeddings {c.MaxPositionEmbeddings}");
        Line("vocabulary", info.VocabularySize is { } size
            ? (info.IsProtein ? $"{size} tokens, protein (one token per amino acid)" : $"{size} tokens, k = {info.K}") + $" (config.json vocab_size {c.VocabSize})"
            : $"(no vocab.txt) config.json vocab_size {c.VocabSize}");
        Line("memory", $"weights {ByteSize.Format(info.Float32Bytes)} in fp32, {ByteSize.Format(info.BFloat16Bytes)} in bf16 (activations extra)");
        Line("weights", info.WeightsFile is null
            ? "none found (model.safetensors, model.safetensors.index.json, pytorch_model.bin, pytorch_model.bin.index.json)"
            : $"{Path.GetFileName(info.WeightsFile)} ({info.WeightsFormat}, {info.TensorCount} tensors)");
        Line("tokenizer", string.Join(", ", info.Files.Where(f => f.Kind is ModelFileKind.Vocabulary or ModelFileKind.TokenizerSettings).Select(f => f.Name)) is { Length: > 0 } tokenizer
            ? tokenizer
            : "none found (vocab.txt)");
        Line("files", string.Join(", ", info.Files.Select(f => $"{f.Name} ({ByteSize.Format(f.Bytes)})")));
    }

    private static void WriteJson(AgroNTModelInfo info, TextWriter output)
    {
        var c = info.Config;
        var document = new
        {
            folder = info.Folder,
            architectures = info.Architectures,
            family = info.Family,
            position_embedding_type = c.PositionEmbeddingType,
            token_dropout = c.TokenDropout,
            tie_word_embeddings = c.TieWordEmbeddings,
            protein = info.IsProtein,
            model_type = info.ModelType,
            num_hidden_layers = c.NumHiddenLayers,
            hidden_size = c.HiddenSize,
            num_attention_heads = c.NumAttentionHeads,
            intermediate_size = c.IntermediateSize,
            parameters = info.ParameterEstimate,
            stored_parameters = info.StoredParameterCount,
            stored_dtypes = info.StoredDTypes,
            torch_dtype = c.TorchDtype,
            window_tokens = info.WindowTokens,
            window_bases = info.WindowBases,
            window_residues = info.WindowResidues,
            vocab_size = info.VocabularySize,
            k = info.K,
            fp32_bytes = info.Float32Bytes,
            bf16_bytes = info.BFloat16Bytes,
            weights_file = info.WeightsFile is null ? null : Path.GetFileName(info.WeightsFile),
            weights_format = info.WeightsFormat?.ToString(),
            tensors = info.TensorCount,
            files = info.Files.Select(f => new { name = f.Name, bytes = f.Bytes, kind = f.Kind.ToString() }),
            warnings = info.Warnings,
        };
        output.WriteLine(JsonSerializer.Serialize(document, new JsonSerializerOptions { WriteIndented = true }));
    }

    private static string FormatCount(double count) => count switch
    {
        >= 1e15 => count.ToString("0.##E+0", CultureInfo.InvariantCulture),
        >= 1e12 => string.Create(CultureInfo.InvariantCulture, $"{count / 1e12:0.##} T"),
        >= 1_000_000_000 => string.Create(CultureInfo.InvariantCulture, $"{count / 1e9:0.##} B"),
        >= 1_000_000 => string.Create(CultureInfo.InvariantCulture, $"{count / 1e6:0.##} M"),
        >= 1_000 => string.Create(CultureInfo.InvariantCulture, $"{count / 1e3:0.##} k"),
        _ => count.ToString("0", CultureInfo.InvariantCulture),
    };
}
