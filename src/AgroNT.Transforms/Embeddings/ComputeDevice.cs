using System.Globalization;

namespace AgroNT.Transforms.Embeddings;

/// <summary>
/// A device name as users write it (<c>cpu</c>, <c>cuda</c>, <c>cuda:N</c>), parsed in one place for every engine and verb.
/// </summary>
/// <param name="IsCuda">True for a CUDA device.</param>
/// <param name="Index">The CUDA device index (0 for <c>cuda</c>); 0 for the CPU.</param>
public readonly record struct ComputeDevice(bool IsCuda, int Index)
{
    /// <summary>The CPU.</summary>
    public static ComputeDevice Cpu => default;

    /// <summary>Parses <c>cpu</c>, <c>cuda</c> or <c>cuda:N</c> (case-insensitive).</summary>
    /// <param name="text">The device name.</param>
    /// <returns>The device.</returns>
    /// <exception cref="FormatException">Anything else; the message lists the accepted forms.</exception>
    public static ComputeDevice Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string trimmed = text.Trim().ToLowerInvariant();
        if (trimmed == "cpu")
        {
            return Cpu;
        }
        if (trimmed == "cuda")
        {
            return new ComputeDevice(true, 0);
        }
        if (trimmed.StartsWith("cuda:", StringComparison.Ordinal)
            && int.TryParse(trimmed.AsSpan(5), NumberStyles.None, CultureInfo.InvariantCulture, out int index))
        {
            return new ComputeDevice(true, index);
        }
        throw new FormatException($"Device must be cpu, cuda or cuda:N (N = 0, 1, ...), got '{text}'.");
    }

    /// <summary>The canonical name: <c>cpu</c> or <c>cuda:N</c> (what libtorch's <c>torch.device</c> takes).</summary>
    /// <returns>The name.</returns>
    public override string ToString() => IsCuda ? string.Create(CultureInfo.InvariantCulture, $"cuda:{Index}") : "cpu";
}
