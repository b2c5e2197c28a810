using System.Text.Json;
using AgroNT.Tests.Common;

namespace AgroNT.Transforms.Tests.Tokenization;

/// <summary>One record of <c>fixtures.tokenization</c> in the Hugging Face reference index.</summary>
internal sealed record HfTokenizationRecord(
    string Name,
    string Text,
    int[] InputIds,
    string[] Tokens,
    string[]? Tokenize,
    string? Decode,
    string? DecodeSkipSpecialTokens)
{
    public override string ToString() => Name;
}

/// <summary>A padded batch of <c>fixtures.batches</c>.</summary>
internal sealed record HfBatchRecord(string Name, string[] SequenceNames, int[] Lengths, string[] BatchDecode, NpyArray InputIds, NpyArray AttentionMask);

/// <summary>Reads the tokenization parts of <c>tests/fixtures/hf-reference/index.json</c>.</summary>
internal static class HfTokenizationFixtures
{
    private static readonly Lazy<IReadOnlyList<HfTokenizationRecord>> s_records = new(LoadRecords);

    public static IReadOnlyList<HfTokenizationRecord> Records => s_records.Value;

    public static HfTokenizationRecord Get(string name) => Records.Single(r => r.Name == name);

    public static IEnumerable<object[]> RecordNames() => Records.Select(r => new object[] { r.Name });

    public static IReadOnlyList<HfBatchRecord> LoadBatches()
    {
        using JsonDocument index = OpenIndex();
        var batches = new List<HfBatchRecord>();
        foreach (JsonProperty batch in index.RootElement.GetProperty("fixtures").GetProperty("batches").EnumerateObject())
        {
            JsonElement files = batch.Value.GetProperty("files");
            batches.Add(new HfBatchRecord(
                batch.Name,
                [.. batch.Value.GetProperty("sequences").EnumerateArray().Select(e => e.GetString()!)],
                [.. batch.Value.GetProperty("lengths").EnumerateArray().Select(e => e.GetInt32())],
                [.. batch.Value.GetProperty("batch_decode").EnumerateArray().Select(e => e.GetString()!)],
                Npy.Read(Path.Combine(SharedData.HfReference, files.GetProperty("input_ids").GetString()!)),
                Npy.Read(Path.Combine(SharedData.HfReference, files.GetProperty("attention_mask").GetString()!))));
        }

        return batches;
    }

    private static JsonDocument OpenIndex() => JsonDocument.Parse(File.ReadAllText(Path.Combine(SharedData.HfReference, "index.json")));

    private static IReadOnlyList<HfTokenizationRecord> LoadRecords()
    {
        using JsonDocument index = OpenIndex();
        var records = new List<HfTokenizationRecord>();
        foreach (JsonElement record in index.RootElement.GetProperty("fixtures").GetProperty("tokenization").EnumerateArray())
        {
            string name = record.GetProperty("name").GetString()!;
            string text;
            int[] ids;
            if (record.TryGetProperty("text_file", out JsonElement textFile))
            {
                // The long records keep their text and ids in files; the index only holds their head and tail.
                text = File.ReadAllText(Path.Combine(SharedData.HfReference, textFile.GetString()!));
                ids = [.. Npy.Read(Path.Combine(SharedData.HfReference, record.GetProperty("input_ids_file").GetString()!)).Longs.Select(l => (int)l)];
            }
            else
            {
                text = record.GetProperty("text").GetString()!;
                ids = [.. record.GetProperty("input_ids").EnumerateArray().Select(e => e.GetInt32())];
            }

            records.Add(new HfTokenizationRecord(
                name,
                text,
                ids,
                Strings(record.GetProperty("tokens"))!,
                Strings(record.GetProperty("tokenize")),
                record.GetProperty("decode").GetString(),
                record.GetProperty("decode_skip_special_tokens").GetString()));
        }

        return records;
    }

    private static string[]? Strings(JsonElement element) =>
        element.ValueKind == JsonValueKind.Array ? [.. element.EnumerateArray().Select(e => e.GetString()!)] : null;
}
