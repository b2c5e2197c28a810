using System.Globalization;
using System.Text;

namespace AgroNT.MLNet.EmbeddingFiles;

/// <summary>Splits RFC 4180 text into records: quoted fields may hold commas, doubled quotes and line breaks.</summary>
internal sealed class CsvRecordReader(TextReader text, string path)
{
    private readonly StringBuilder _field = new();
    private long _nextLine = 1;

    /// <summary>The line on which the record last read starts, counting from 1.</summary>
    public long Line { get; private set; }

    /// <summary>Reads the next record into <paramref name="fields"/>; false at the end of the text.</summary>
    public bool TryRead(List<string> fields)
    {
        fields.Clear();
        _field.Clear();
        Line = _nextLine;
        int c = text.Read();
        if (c < 0)
        {
            return false;
        }
        bool inQuotes = false;
        bool quoted = false;
        while (true)
        {
            if (inQuotes)
            {
                if (c < 0)
                {
                    throw Error("a quoted field is not closed before the end of the file");
                }
                if (c == '"')
                {
                    if (text.Peek() == '"')
                    {
                        text.Read();
                        _field.Append('"');
                    }
                    else
                    {
                        inQuotes = false;
                    }
                }
                else
                {
                    _nextLine += c == '\n' ? 1 : 0;
                    _field.Append((char)c);
                }
            }
            else if (c is '\r' or '\n' or < 0)
            {
                if (c == '\r' && text.Peek() == '\n')
                {
                    text.Read();
                }
                _nextLine += c >= 0 ? 1 : 0;
                fields.Add(_field.ToString());
                return true;
            }
            else if (c == ',')
            {
                fields.Add(_field.ToString());
                _field.Clear();
                quoted = false;
            }
            else if (quoted)
            {
                throw Error("text follows the closing quote of a field; double any quote inside a quoted field");
            }
            else if (c == '"')
            {
                if (_field.Length > 0)
                {
                    throw Error("a quote inside an unquoted field; quote the whole field and double the quotes inside it");
                }
                inQuotes = true;
                quoted = true;
            }
            else
            {
                _field.Append((char)c);
            }
            c = text.Read();
        }
    }

    private InvalidDataException Error(string what) =>
        EmbeddingFileErrors.BadData(path, string.Create(CultureInfo.InvariantCulture, $"record starting on line {Line}"), what);
}
