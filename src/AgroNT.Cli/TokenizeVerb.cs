using AgroNT.Transforms.IO;
using AgroNT.Transforms.ModelFolders;
using System.Text.Json;
using AgroNT.Transforms.Tokenization;

namespace AgroNT.Cli;

/// <summary><c>agront tokenize</c>: one JSON object per record, <c>{"id": ..., "input_ids": [...]}</c>.</summary>
internal sealed class TokenizeVerb : IVerb
{
    public string Name => "tokenize";

    public string Summary => "tokenize DNA into AgroNT token ids (JSON Lines)";

    public string Usage => "agront tokenize [--model DIR] -i IN -o OUT.jsonl [--tokenizer-mode normalize|hf] [--length-policy error|truncate|windows]";

    public IReadOnlyList<OptionSpec> Options { get; } =
    [
        CommonOptions.Model, CommonOptions.Input, CommonOptions.Output, CommonOptions.TokenizerMode, CommonOptions.LengthPolicy, CommonOptions.Stride,
    ];

    public int Run(ParsedArguments args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        string output = args.Require("output");
        CommonOptions.CheckOutputs(CommonOptions.Paths(args, "input", "model"), CommonOptions.Paths(args, "output"), ("--output", [".jsonl"]));
        var tokenizer = SequenceTokenizer.FromModelFolder(HuggingFaceModelLocator.Resolve(CommonOptions.ModelFolder(args)), CommonOptions.TokenizerOptions(args));
        var records = CommonOptions.ReadInput(args);
        bool windows = tokenizer.Options.LengthPolicy == LengthPolicy.Windows;
        var progress = new CommonOptions.ProgressLine(stderr, Name);
        long count = 0, bases = 0;

        using var file = StagedFile.Create(output);
        using (var json = new Utf8JsonWriter(file.Stream, new JsonWriterOptions { SkipValidation = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            foreach (var record in records)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (windows)
                {
                    // One line per window: the window's ids plus its index and base range in the record.
                    foreach (var window in tokenizer.EncodeWindows(record.Sequence, record.Name))
                    {
                        WriteLine(json, file.Stream, record.Name, window.Ids, window);
                    }
                }
                else
                {
                    WriteLine(json, file.Stream, record.Name, tokenizer.EncodeToIds(record.Sequence, record.Name), null);
                }
                progress.Report(++count, bases += record.Sequence.Length);
            }
        }
        file.Commit();
        return 0;
    }

    private static void WriteLine(Utf8JsonWriter json, Stream stream, string id, int[] ids, TokenWindow? window)
    {
        json.Reset(stream);
        json.WriteStartObject();
        json.WriteString("id", id);
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
