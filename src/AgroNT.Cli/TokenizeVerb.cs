using AgroNT.Transforms.IO;
using AgroNT.Transforms.ModelFolders;
using System.Text.Json;
using AgroNT.Transforms.Embeddings;
using AgroNT.Transforms.Tokenization;

namespace AgroNT.Cli;

/// <summary>
/// <c>agront tokenize</c>: one JSON object per record, <c>{"id": ..., "input_ids": [...]}</c>. With
/// <c>--strand reverse</c> the ids are those of the record's reverse complement and each line says
/// <c>"strand": "reverse"</c>; with <c>--strand both</c> every record gives two lines, forward then reverse, each
/// with its <c>"strand"</c>. Window base ranges of reverse lines count along the reverse complement.
/// </summary>
internal sealed class TokenizeVerb : IVerb
{
    public string Name => "tokenize";

    public string Summary => "tokenize DNA into AgroNT token ids (JSON Lines)";

    public string Usage => "agront tokenize [--model DIR] -i IN -o OUT.jsonl [--tokenizer-mode normalize|hf] [--length-policy error|truncate|windows] [--strand forward|reverse|both]";

    public IReadOnlyList<OptionSpec> Options { get; } =
    [
        CommonOptions.Model, CommonOptions.Input, CommonOptions.Output, CommonOptions.TokenizerMode, CommonOptions.LengthPolicy, CommonOptions.Stride,
        CommonOptions.Strand, CommonOptions.Quiet,
    ];

    public int Run(ParsedArguments args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        string output = args.Require("output");
        CommonOptions.CheckOutputs(CommonOptions.Paths(args, "input", "model"), CommonOptions.Paths(args, "output"), ("--output", [".jsonl"]));
        var tokenizer = SequenceTokenizer.FromModelFolder(HuggingFaceModelLocator.Resolve(CommonOptions.ModelFolder(args)), CommonOptions.TokenizerOptions(args));
        long bytesRead = 0;
        var records = CommonOptions.ReadInput(args, new SynchronousProgress<long>(b => bytesRead = b), out long inputLength);
        bool windows = tokenizer.Options.LengthPolicy == LengthPolicy.Windows;
        var strand = CommonOptions.GetStrand(args);
        string? forwardLabel = strand == Strand.Forward ? null : "forward";
        using var progress = CliProgress.Create(args, stderr, Name, ProgressUnit.Bytes);
        long count = 0, bases = 0;

        using var file = StagedFile.Create(output);
        using (var json = new Utf8JsonWriter(file.Stream, new JsonWriterOptions { SkipValidation = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            foreach (var record in records)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (strand != Strand.Reverse)
                {
                    Write(json, record.Sequence, record.Name, forwardLabel);
                }
                if (strand != Strand.Forward)
                {
                    Write(json, StrandText.ReverseComplement(record.Sequence, tokenizer.Options, record.Name), record.Name, "reverse");
                }
                count++;
                bases += record.Sequence.Length;
                progress.Report(bytesRead, inputLength, string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{count:N0} records, {bases:N0} bp"));
            }
        }
        file.Commit();
        progress.Complete();
        return 0;

        void Write(Utf8JsonWriter json, string sequence, string name, string? strandLabel)
        {
            if (windows)
            {
                // One line per window: the window's ids plus its index and base range in the (strand's) sequence.
                foreach (var window in tokenizer.EncodeWindows(sequence, name))
                {
                    WriteLine(json, file.Stream, name, strandLabel, window.Ids, window);
                }
            }
            else
            {
                WriteLine(json, file.Stream, name, strandLabel, tokenizer.EncodeToIds(sequence, name), null);
            }
        }
    }

    private static void WriteLine(Utf8JsonWriter json, Stream stream, string id, string? strand, int[] ids, TokenWindow? window)
    {
        json.Reset(stream);
        json.WriteStartObject();
        json.WriteString("id", id);
        if (strand != null)
        {
            json.WriteString("strand", strand);
        }
        if (window != null)
        {
            json.WriteNumber("window", window.Index);
            json.WriteNumber("base_start", window.BaseStart);
            json.WriteNumber("base_end", window.BaseEnd);
        }
        json.WriteStartArray("input_ids");
        foreach (int value in ids)
        {
            json.WriteNumberValue(value);
        }
        json.WriteEndArray();
        json.WriteEndObject();
        json.Flush();
        stream.WriteByte((byte)'\n');
    }
}
