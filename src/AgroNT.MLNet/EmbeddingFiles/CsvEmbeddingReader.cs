using System.Globalization;
using System.Text;

namespace AgroNT.MLNet.EmbeddingFiles;

/// <summary>Reads a CSV embedding table: a header (the id column, then one column per dimension) and one row per id.</summary>
internal static class CsvEmbeddingReader
{
    public static IEnumerable<(string Id, float[] Embedding)> Read(string path)
    {
        using var text = new StreamReader(path, Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        var records = new CsvRecordReader(text, path);
        var fields = new List<string>();
        if (!records.TryRead(fields))
        {
            throw EmbeddingFileErrors.BadData(path, "line 1", "the file is empty; expected a header 'id,e0,e1,...'");
        }
        string[] header = [.. fields];
        while (records.TryRead(fields))
        {
            string where = string.Create(CultureInfo.InvariantCulture, $"line {records.Line}");
            if (fields.Count != header.Length)
            {
                throw EmbeddingFileErrors.BadData(path, where, $"the row has {fields.Count} fields but the header has {header.Length}");
            }
            var embedding = new float[header.Length - 1];
            for (int i = 0; i < embedding.Length; i++)
            {
                if (!float.TryParse(fields[i + 1], NumberStyles.Float, CultureInfo.InvariantCulture, out embedding[i]))
                {
                    throw EmbeddingFileErrors.BadData(path, where, $"column '{header[i + 1]}' holds '{fields[i + 1]}', not a number");
                }
            }
            yield return (fields[0], embedding);
        }
    }
}
