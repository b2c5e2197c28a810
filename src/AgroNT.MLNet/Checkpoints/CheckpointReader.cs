using AgroNT.Transforms.ModelFolders;
using System.Diagnostics.CodeAnalysis;
using TorchSharp;
using static TorchSharp.torch;

namespace AgroNT.MLNet.Checkpoints;

/// <summary>
/// A Hugging Face weight checkpoint opened for reading: <see cref="SafeTensorsFile"/>, <see cref="PyTorchCheckpointFile"/>
/// or <see cref="ShardedCheckpoint"/>. Opening reads only the header (or the pickle): <see cref="Tensors"/> lists names,
/// shapes and element types without touching tensor data; <see cref="CopyTo(string, Tensor)"/> copies one tensor's data
/// from the memory-mapped file into a TorchSharp tensor. Dispose the reader to release the memory map.
/// </summary>
/// <remarks>Not thread-safe for concurrent <see cref="Dispose"/>; concurrent reads of different tensors are fine.</remarks>
public abstract class CheckpointReader : IDisposable
{
    /// <summary>The weight file names a Hugging Face model folder may hold, in the order they are preferred.</summary>
    private static readonly (CheckpointFormat Format, string FileName)[] WeightFiles =
    [
        (CheckpointFormat.SafeTensors, "model.safetensors"),
        (CheckpointFormat.ShardedSafeTensors, "model.safetensors.index.json"),
        (CheckpointFormat.PyTorch, "pytorch_model.bin"),
        (CheckpointFormat.ShardedPyTorch, "pytorch_model.bin.index.json"),
    ];

    private readonly Dictionary<string, CheckpointTensorInfo> _byName;
    private bool _disposed;

    private protected CheckpointReader(string location, CheckpointFormat format, IReadOnlyList<CheckpointTensorInfo> tensors)
    {
        Location = location;
        Format = format;
        Tensors = tensors;
        _byName = new Dictionary<string, CheckpointTensorInfo>(tensors.Count, StringComparer.Ordinal);
        foreach (CheckpointTensorInfo tensor in tensors)
        {
            if (!_byName.TryAdd(tensor.Name, tensor))
            {
                throw new CheckpointFormatException(location, $"the tensor '{tensor.Name}' appears twice.");
            }
        }
    }

    /// <summary>The weight file (or, for a sharded checkpoint, the index file) this reader reads.</summary>
    public string Location { get; }

    /// <summary>The checkpoint's layout (never <see cref="CheckpointFormat.Auto"/>).</summary>
    public CheckpointFormat Format { get; }

    /// <summary>Every tensor in the checkpoint, in the order its data lies in the file(s).</summary>
    public IReadOnlyList<CheckpointTensorInfo> Tensors { get; }

    /// <summary>The total size of the tensor data, in bytes, as stored.</summary>
    public long TotalBytes => Tensors.Sum(t => t.ByteCount);

    /// <summary>
    /// Opens a model folder, a weight file (<c>.safetensors</c>, <c>.bin</c>, <c>*.index.json</c>) or a Hub id
    /// (<c>ORG/NAME[@revision]</c>) already in the local Hugging Face cache (see <see cref="HuggingFaceModelLocator"/>).
    /// </summary>
    /// <param name="path">The folder, file or Hub id.</param>
    /// <param name="format">
    /// For a folder: which file to read (<see cref="CheckpointFormat.Auto"/> follows Hugging Face's preference, see
    /// <see cref="FindWeightsFile"/>). For a file: its layout, or <see cref="CheckpointFormat.Auto"/> to tell from its
    /// name and first bytes.
    /// </param>
    /// <exception cref="FileNotFoundException">The folder holds no weights of the requested kind.</exception>
    /// <exception cref="DirectoryNotFoundException">Neither a folder, a file, nor a Hub id in the cache.</exception>
    /// <exception cref="CheckpointFormatException">The file is damaged or not what it claims to be.</exception>
    public static CheckpointReader Open(string path, CheckpointFormat format = CheckpointFormat.Auto)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        string file = File.Exists(path) ? Path.GetFullPath(path) : FindWeightsFile(HuggingFaceModelLocator.Resolve(path), format);
        if (format == CheckpointFormat.Auto)
        {
            format = DetectFormat(file);
        }
        return format switch
        {
            CheckpointFormat.SafeTensors => SafeTensorsFile.Open(file),
            CheckpointFormat.PyTorch => PyTorchCheckpointFile.Open(file),
            CheckpointFormat.ShardedSafeTensors or CheckpointFormat.ShardedPyTorch => ShardedCheckpoint.Open(file),
            _ => throw new ArgumentOutOfRangeException(nameof(format), format, "Unknown checkpoint format."),
        };
    }

    /// <summary>
    /// The weight file a model folder would be loaded from: <c>model.safetensors</c>, then
    /// <c>model.safetensors.index.json</c>, then <c>pytorch_model.bin</c>, then <c>pytorch_model.bin.index.json</c>,
    /// or exactly the one <paramref name="format"/> names.
    /// </summary>
    /// <exception cref="FileNotFoundException">No such file; the message lists what was looked for and what the folder holds.</exception>
    public static string FindWeightsFile(string modelFolder, CheckpointFormat format = CheckpointFormat.Auto)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(modelFolder);
        string folder = Path.GetFullPath(modelFolder);
        var candidates = WeightFiles.Where(w => format == CheckpointFormat.Auto || w.Format == format).ToList();
        foreach ((_, string fileName) in candidates)
        {
            string candidate = Path.Combine(folder, fileName);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        string present = Directory.Exists(folder)
            ? string.Join(", ", Directory.EnumerateFileSystemEntries(folder).Select(p => Path.GetFileName(p)).Order(StringComparer.Ordinal).Take(20))
            : "(the folder does not exist)";
        string wanted = string.Join(", ", candidates.Select(c => c.FileName));
        throw new FileNotFoundException(
            $"{folder} holds no Hugging Face weights ({wanted}). It holds: {(present.Length == 0 ? "nothing" : present)}. " +
            "Download the model into it (agront download ORG/NAME, or huggingface-cli download ORG/NAME --local-dir DIR)" +
            (format == CheckpointFormat.Auto ? "." : $", or ask for another CheckpointFormat than {format}."),
            Path.Combine(folder, candidates[0].FileName));
    }

    /// <summary>Whether the checkpoint has a tensor named <paramref name="name"/>.</summary>
    public bool Contains(string name) => _byName.ContainsKey(name);

    /// <summary>Looks up a tensor's description.</summary>
    public bool TryGetTensorInfo(string name, [NotNullWhen(true)] out CheckpointTensorInfo? info) => _byName.TryGetValue(name, out info);

    /// <summary>A tensor's description.</summary>
    /// <exception cref="KeyNotFoundException">No tensor of that name.</exception>
    public CheckpointTensorInfo GetTensorInfo(string name) =>
        _byName.TryGetValue(name, out CheckpointTensorInfo? info)
            ? info
            : throw new KeyNotFoundException($"{Location} has no tensor named '{name}' (it has {Tensors.Count}).");

    /// <summary>
    /// Copies the tensor <paramref name="name"/> into <paramref name="destination"/>, which must have the same shape
    /// and may have any floating or integer element type and device: the data is converted on the way (fp16, bf16 and
    /// fp64 sources to fp32, fp32 to a bf16 destination, ...), a bounded window at a time. Runs under <c>no_grad</c>,
    /// so parameters can be filled in place.
    /// </summary>
    /// <exception cref="KeyNotFoundException">No tensor of that name.</exception>
    /// <exception cref="ArgumentException">The shapes differ.</exception>
    public void CopyTo(string name, Tensor destination) => CopyTo(name, destination, TensorCopier.DefaultChunkBytes, CancellationToken.None);

    /// <summary>Reads the tensor <paramref name="name"/> into a new CPU tensor (the caller disposes it).</summary>
    /// <param name="name">The tensor's name.</param>
    /// <param name="dtype">The element type to convert to; <see langword="null"/> keeps the stored type.</param>
    public Tensor ReadTensor(string name, ScalarType? dtype = null)
    {
        CheckpointTensorInfo info = GetTensorInfo(name);
        Tensor result = torch.empty(info.Shape.ToArray(), dtype ?? info.DType);
        try
        {
            CopyTo(name, result);
            return result;
        }
        catch
        {
            result.Dispose();
            throw;
        }
    }

    /// <summary>Releases the memory map(s).</summary>
    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            DisposeCore();
        }
        GC.SuppressFinalize(this);
    }

    /// <summary>Copies with an explicit window size and cancellation.</summary>
    internal void CopyTo(string name, Tensor destination, long chunkBytes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(destination);
        ObjectDisposedException.ThrowIf(_disposed, this);
        CheckpointTensorInfo info = GetTensorInfo(name);
        if (!destination.shape.SequenceEqual(info.Shape))
        {
            throw new ArgumentException(
                $"The tensor '{name}' in {Location} has shape {CheckpointTensorInfo.FormatShape(info.Shape)}, the destination " +
                $"{CheckpointTensorInfo.FormatShape(destination.shape)}.", nameof(destination));
        }
        TensorCopier.Copy(GetSource(name), destination, chunkBytes, cancellationToken);
    }

    /// <summary>Where the named tensor's bytes are.</summary>
    internal abstract TensorSource GetSource(string name);

    /// <summary>Releases what the concrete reader holds.</summary>
    private protected abstract void DisposeCore();

    private static CheckpointFormat DetectFormat(string file)
    {
        string name = Path.GetFileName(file);
        if (name.EndsWith(".index.json", StringComparison.OrdinalIgnoreCase))
        {
            return name.Contains(".safetensors", StringComparison.OrdinalIgnoreCase)
                ? CheckpointFormat.ShardedSafeTensors
                : CheckpointFormat.ShardedPyTorch;
        }
        if (name.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase))
        {
            return CheckpointFormat.SafeTensors;
        }
        // Anything else (.bin, .pt, .pth, no extension): a zip starts "PK", an old-style torch.save pickle with 0x80;
        // a safetensors file starts with its header length, then '{'.
        Span<byte> head = stackalloc byte[9];
        using (var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 1))
        {
            head = head[..stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false)];
        }
        return head.Length == 9 && head[8] == (byte)'{' && head[0] != (byte)'P'
            ? CheckpointFormat.SafeTensors
            : CheckpointFormat.PyTorch;
    }
}
