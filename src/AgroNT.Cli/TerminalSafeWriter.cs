using System.Text;

namespace AgroNT.Cli;

/// <summary>
/// Everything agront prints to standard error goes through this writer, which shows control characters as escapes
/// (<c>\x1b</c>): record names, file names and library messages come from untrusted files, and a FASTA header holding
/// terminal escape sequences must not be able to rewrite the user's terminal or hide a line.
/// </summary>
internal sealed class TerminalSafeWriter(TextWriter inner) : TextWriter(inner.FormatProvider)
{
    public override Encoding Encoding => inner.Encoding;

    /// <summary>The writer this one escapes for: where a progress bar, which must write its own escape codes, draws.</summary>
    internal TextWriter Inner => inner;

    public override void Write(char value)
    {
        if (IsUnsafe(value))
        {
            inner.Write(Escape(value));
        }
        else
        {
            inner.Write(value);
        }
    }

    public override void Write(string? value) => inner.Write(Sanitize(value));

    public override void Write(char[] buffer, int index, int count) => inner.Write(Sanitize(new string(buffer, index, count)));

    public override void WriteLine() => inner.WriteLine();

    public override void WriteLine(string? value) => inner.WriteLine(Sanitize(value));

    public override void Flush() => inner.Flush();

    /// <summary>The text with every control character but line feed and tab replaced by its escape.</summary>
    internal static string? Sanitize(string? text)
    {
        if (text is null || !text.AsSpan().ContainsAny(s_unsafe))
        {
            return text;
        }
        var builder = new StringBuilder(text.Length + 16);
        foreach (char c in text)
        {
            if (IsUnsafe(c))
            {
                builder.Append(Escape(c));
            }
            else
            {
                builder.Append(c);
            }
        }
        return builder.ToString();
    }

    // C0 controls (ESC, carriage return, backspace, BEL...), DEL and the C1 controls (0x9B is a one-byte CSI).
    private static readonly System.Buffers.SearchValues<char> s_unsafe = System.Buffers.SearchValues.Create(
        [.. Enumerable.Range(0, 0x20).Where(c => c is not ('\n' or '\t')).Select(c => (char)c), .. Enumerable.Range(0x7F, 0x21).Select(c => (char)c)]);

    private static bool IsUnsafe(char c) => s_unsafe.Contains(c);

    private static string Escape(char c) => c < 0x100 ? $"\\x{(int)c:x2}" : $"\\u{(int)c:x4}";
}
