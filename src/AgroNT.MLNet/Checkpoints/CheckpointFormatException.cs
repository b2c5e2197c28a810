namespace AgroNT.MLNet.Checkpoints;

/// <summary>
/// A weight file that cannot be read as what it claims to be: cut short, a corrupt header, offsets outside the
/// file, an unsupported element type, or (for <c>pytorch_model.bin</c>) a pickle that asks for anything beyond plain
/// tensor data. The message names the file, the problem and what to do about it.
/// </summary>
public sealed class CheckpointFormatException : FormatException
{
    /// <summary>Creates the exception for <paramref name="filePath"/>; the message is prefixed with the path.</summary>
    /// <param name="filePath">The file that could not be read.</param>
    /// <param name="problem">What is wrong with it and how to fix it.</param>
    public CheckpointFormatException(string filePath, string problem)
        : base($"{filePath}: {problem}")
    {
        FilePath = filePath;
    }

    /// <summary>Creates the exception for <paramref name="filePath"/> with the error that exposed the problem.</summary>
    /// <param name="filePath">The file that could not be read.</param>
    /// <param name="problem">What is wrong with it and how to fix it.</param>
    /// <param name="innerException">The underlying error (a JSON parser error, for example).</param>
    public CheckpointFormatException(string filePath, string problem, Exception innerException)
        : base($"{filePath}: {problem}", innerException)
    {
        FilePath = filePath;
    }

    /// <summary>The file that could not be read.</summary>
    public string FilePath { get; }
}
