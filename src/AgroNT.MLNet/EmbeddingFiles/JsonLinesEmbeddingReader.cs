using System.Globalization;
using System.Text;
using System.Text.Json;

namespace AgroNT.MLNet.EmbeddingFiles;

/// <summary>Reads JSON Lines rows <c>{"id": "...", "embedding": [...]}</c>; other keys are ignored, blank lines skipped.</summary>
internal static class JsonLinesEmbeddingReader
{
    public static IEnumerable<(string Id, float[] Embedding)> Read(string path)
    {
        using var text = new StreamReader(path, Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        var values = new List<float>();
        long lineNumber = 0;
        while (text.ReadLine() is { } line)
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }
            yield return ParseLine(line, path, lineNumber, values);
        }
    }

    private static (string Id, float[] Embedding) ParseLine(string line, string path, long lineNumber, List<float> values)
    {
        string where = string.Create(CultureInfo.InvariantCulture, $"line {lineNumber}");
        string? id = null;
        float[]? embedding = null;
        try
        {
            var json = new Utf8JsonReader(Encoding.UTF8.GetBytes(line));
            if (!json.Read() || json.TokenType != JsonTokenType.StartObject)
            {
                throw EmbeddingFileErrors.BadData(path, where, "expected a JSON object {\"id\": ..., \"embedding\": [...]}");
            }
            while (json.Read() && json.TokenType == JsonTokenType.PropertyName)
            {
                if (json.ValueTextEquals("id"u8))
                {
                    json.Read();
                    id = json.TokenType == JsonTokenType.String
                        ? json.GetString()
                        : throw EmbeddingFileErrors.BadData(path, where, $"\"id\" must be a string, found {json.TokenType}");
                }
                else if (json.ValueTextEquals("embedding"u8))
                {
                    json.Read();
                    embedding = ReadNumbers(ref json, values, path, where);
                }
                else
                {
                    json.Skip();
                }
            }
            // Reading past the end also makes Utf8JsonReader reject anything after the object.
            while (json.Read())
            {
            }
        }
        catch (JsonException e)
        {
            throw EmbeddingFileErrors.BadData(path, where, $"not valid JSON ({e.Message})");
        }
        if (id is null || embedding is null)
        {
            throw EmbeddingFileErrors.BadData(path, where, $"the key \"{(id is null ? "id" : "embedding")}\" is missing");
        }
        return (id, embedding);
    }

    private static float[] ReadNumbers(ref Utf8JsonReader json, List<float> values, string path, string where)
    {
        if (json.TokenType != JsonTokenType.StartArray)
        {
            throw EmbeddingFileErrors.BadData(path, where, $"\"embedding\" must be an array of numbers, found {json.TokenType}");
        }
        values.Clear();
        while (json.Read() && json.TokenType != JsonTokenType.EndArray)
        {
            // TryGetSingle turns numbers beyond float32's range into infinity; JSON itself has no infinity to mean.
            if (json.TokenType != JsonTokenType.Number || !json.TryGetSingle(out float value) || !float.IsFinite(value))
            {
                throw EmbeddingFileErrors.BadData(path, where, $"embedding[{values.Count}] is not a float32 number");
            }
            values.Add(value);
        }
        return [.. values];
    }
}
