using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using AgroNT.Transforms.IO;

namespace AgroNT.MLNet.EmbeddingFiles;

/// <summary>Writes <c>{"id":"...","embedding":[...]}</c>, one object per line, UTF-8 without a byte order mark.</summary>
internal sealed class JsonLinesEmbeddingSink : EmbeddingSink
{
    // Relaxed escaping keeps non-ASCII ids readable as UTF-8; the output is data, never embedded in HTML.
    private static readonly JsonWriterOptions WriterOptions = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Indented = false,
    };

    private readonly string _path;
    private readonly StagedFile _file;
    private readonly ArrayBufferWriter<byte> _line = new(1 << 12);
    private readonly Utf8JsonWriter _json;

    public JsonLinesEmbeddingSink(string path)
    {
        _path = path;
        _file = StagedFile.Create(path);
        // The JSON writer fills a memory buffer, never the file, so abandoning it can never fail on I/O.
        _json = new Utf8JsonWriter(_line, WriterOptions);
    }

    public override void Validate(long row, string id, ReadOnlySpan<float> embedding)
    {
        for (int i = 0; i < embedding.Length; i++)
        {
            if (!float.IsFinite(embedding[i]))
            {
                throw EmbeddingFileErrors.NotFiniteForJson(_path, row, id, i, embedding[i]);
            }
        }
    }

    public override void Append(string id, ReadOnlySpan<float> embedding)
    {
        _json.WriteStartObject();
        _json.WriteString("id", id);
        _json.WriteStartArray("embedding");
        foreach (float value in embedding)
        {
            // Utf8JsonWriter formats floats in their shortest round-trip form, so they parse back bit-identical.
            _json.WriteNumberValue(value);
        }
        _json.WriteEndArray();
        _json.WriteEndObject();
        _json.Flush();
        _line.GetSpan(1)[0] = (byte)'\n';
        _line.Advance(1);
        _file.Stream.Write(_line.WrittenSpan);
        _line.ResetWrittenCount();
        // One writer for many top-level values: Reset forgets the finished object and starts the next one.
        _json.Reset();
    }

    public override void Complete()
    {
        _json.Dispose();
        _file.Commit();
    }

    public override void Abandon()
    {
        _json.Dispose();
        _file.Abandon();
    }
}
