using System.Text;

namespace AgroNT.Transforms.Sequences;

/// <summary>Opens sequence files for streaming, decompressing gzip when the content is gzip.</summary>
/// <remarks>
/// Compression is handled by <see cref="CompressedInput"/>, the opener every reader shares: gzip is recognised by its
/// content, all members (and BGZF blocks) are read, and a truncated or damaged file is an error
/// (<see cref="InvalidDataException"/>), never a silently shorter sequence. Text is UTF-8 unless a byte order mark says
/// otherwise. Pipes and other unseekable files work too.
/// </remarks>
internal static class SequenceFile
{
    /// <summary>The reader's buffer, in characters; large buffers keep the per-call cost off the hot path.</summary>
    private const int ReaderBufferLength = 1 << 16;

    /// <summary>Opens <paramref name="path"/> as text.</summary>
    /// <param name="path">The file.</param>
    /// <param name="bytesRead">Told the file's bytes read so far (compressed bytes for gzip); null for none.</param>
    public static StreamReader OpenText(string path, IProgress<long>? bytesRead = null) =>
        // SequenceReader names the file and line of a decoding error itself, so the bare messages are kept here.
        new(CompressedInput.OpenRead(path, nameSourceInErrors: false, bytesRead), Encoding.UTF8, detectEncodingFromByteOrderMarks: true, ReaderBufferLength, leaveOpen: false);
}
