using System.Text;
using static TorchSharp.torch;

namespace AgroNT.MLNet.Checkpoints;

/// <summary>
/// A <c>pytorch_model.bin</c> in the zip format torch.save writes since PyTorch 1.6, memory-mapped: the
/// <c>ARCHIVE/data.pkl</c> pickle describes each tensor (storage, offset, shape, stride) and each storage's bytes are
/// the STORED entry <c>ARCHIVE/data/KEY</c>, read in place by offset. The pickle is read by a restricted unpickler
/// that understands a state dict and nothing else: it never imports or runs anything, and refuses any global that is
/// not plain tensor bookkeeping (<c>os.system</c>, <c>builtins.eval</c>, ...).
/// </summary>
public sealed class PyTorchCheckpointFile : CheckpointReader
{
    private readonly MappedFile _file;
    private readonly Dictionary<string, TensorSource> _sources;

    private PyTorchCheckpointFile(MappedFile file, IReadOnlyList<CheckpointTensorInfo> tensors, Dictionary<string, TensorSource> sources, string archiveName)
        : base(file.Path, CheckpointFormat.PyTorch, tensors)
    {
        _file = file;
        _sources = sources;
        ArchiveName = archiveName;
    }

    /// <summary>The archive's top folder (<c>pytorch_model</c> for a Hugging Face file, <c>archive</c> in newer PyTorch).</summary>
    public string ArchiveName { get; }

    /// <summary>Maps <paramref name="path"/> and reads its pickle.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="CheckpointFormatException">
    /// Not a torch.save zip archive (or the pre-1.6 format), cut short, a refused pickle global, or not a state dict.
    /// </exception>
    public static PyTorchCheckpointFile Open(string path)
    {
        MappedFile file = MappedFile.Open(path);
        try
        {
            return Parse(file);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    internal override TensorSource GetSource(string name) =>
        _sources.TryGetValue(name, out TensorSource? source) ? source : throw new KeyNotFoundException($"{Location} has no tensor named '{name}'.");

    private protected override void DisposeCore() => _file.Dispose();

    private static PyTorchCheckpointFile Parse(MappedFile file)
    {
        byte[] magic = file.ReadBytes(0, (int)Math.Min(4, file.Length));
        if (magic[0] == 0x80)
        {
            throw new CheckpointFormatException(file.Path,
                "this is the legacy torch.save format (PyTorch before 1.6, a bare pickle), which this reader does not " +
                "support. Re-save it with a current PyTorch (torch.save(torch.load(path, weights_only=True), path)) or " +
                "convert it to safetensors.");
        }
        if (magic.Length < 4 || magic[0] != (byte)'P' || magic[1] != (byte)'K' || magic[2] != 3 || magic[3] != 4)
        {
            throw new CheckpointFormatException(file.Path,
                "not a torch.save zip archive (it does not start with a zip header); a pytorch_model.bin should be one. " +
                "The file is damaged, or it is another kind of file under this name.");
        }
        StoredZipArchive zip = StoredZipArchive.Read(file);

        string pickleEntry = FindPickle(file, zip);
        string prefix = pickleEntry[..^"data.pkl".Length];
        CheckByteOrder(file, zip, prefix + "byteorder");

        (long pickleOffset, long pickleLength) = zip.GetStoredData(pickleEntry);
        if (pickleLength > int.MaxValue)
        {
            throw new CheckpointFormatException(file.Path, $"{pickleEntry} is {pickleLength} bytes, far more than a state dict needs.");
        }
        byte[] pickle = file.ReadBytes(pickleOffset, (int)pickleLength);
        zip.GetStoredEntry(pickleEntry).Verify(System.IO.Hashing.Crc32.HashToUInt32(pickle), file.Path, "(the state dict's pickle)");
        object? root = RestrictedUnpickler.Load(pickle, file.Path, pickleEntry);
        if (root is not RestrictedUnpickler.Dict dict)
        {
            throw new CheckpointFormatException(file.Path,
                $"{pickleEntry} holds {Describe(root)}, not a state dict (a dict of name -> tensor). Save model.state_dict() instead.");
        }

        var storages = new Dictionary<string, StoredEntry>(StringComparer.Ordinal);
        var entries = new List<(CheckpointTensorInfo Info, TensorSource Source)>();
        foreach ((object? key, object? value) in dict.Items)
        {
            if (key is not string name)
            {
                throw new CheckpointFormatException(file.Path, $"{pickleEntry} has a key that is {Describe(key)}, not a string; this is not a state dict.");
            }
            if (value is not RestrictedUnpickler.TensorReference tensor)
            {
                throw new CheckpointFormatException(file.Path,
                    $"the entry '{name}' is {Describe(value)}, not a tensor: this is not a plain state dict (a training " +
                    "checkpoint?). Save model.state_dict() in Python and load that.");
            }
            RestrictedUnpickler.StorageReference storage = tensor.Storage;
            if (!storages.TryGetValue(storage.Key, out StoredEntry? data))
            {
                data = zip.GetStoredEntry(prefix + "data/" + storage.Key);
                int elementSize = CheckpointDTypes.ElementSize(storage.DType);
                if (data.Length < storage.ElementCount * elementSize)
                {
                    throw new CheckpointFormatException(file.Path,
                        $"storage '{storage.Key}' declares {storage.ElementCount} {storage.DType} elements but its entry " +
                        $"holds {data.Length} bytes: the file is damaged. Download it again.");
                }
                storages.Add(storage.Key, data);
            }
            entries.Add((new CheckpointTensorInfo(name, storage.DType, tensor.Shape), ToSource(file, name, tensor, data)));
        }
        entries.Sort((a, b) => a.Source.Offset.CompareTo(b.Source.Offset));
        var sources = new Dictionary<string, TensorSource>(StringComparer.Ordinal);
        foreach ((CheckpointTensorInfo info, TensorSource source) in entries)
        {
            if (!sources.TryAdd(info.Name, source))
            {
                throw new CheckpointFormatException(file.Path, $"the tensor '{info.Name}' appears twice.");
            }
        }
        return new PyTorchCheckpointFile(file, entries.Select(e => e.Info).ToList(), sources, prefix.TrimEnd('/'));
    }

    private static TensorSource ToSource(MappedFile file, string name, RestrictedUnpickler.TensorReference tensor, StoredEntry entry)
    {
        long storageStart = entry.Offset;
        RestrictedUnpickler.StorageReference storage = tensor.Storage;
        int elementSize = CheckpointDTypes.ElementSize(storage.DType);
        long count = CheckpointTensorInfo.ElementCountOf(tensor.Shape);
        long last = tensor.StorageOffset;
        bool contiguous = true;
        long expectedStride = 1;
        for (int i = tensor.Shape.Length - 1; i >= 0; i--)
        {
            if (tensor.Stride[i] < 0)
            {
                throw new CheckpointFormatException(file.Path, $"the tensor '{name}' has a negative stride; the file is damaged.");
            }
            last += (tensor.Shape[i] - 1) * tensor.Stride[i];
            // Dimensions of size 1 may carry any stride without breaking contiguity.
            if (tensor.Shape[i] != 1 && tensor.Stride[i] != expectedStride)
            {
                contiguous = false;
            }
            expectedStride *= tensor.Shape[i];
        }
        if (count > 0 && last >= storage.ElementCount)
        {
            throw new CheckpointFormatException(file.Path,
                $"the tensor '{name}' {CheckpointTensorInfo.FormatShape(tensor.Shape)} at offset {tensor.StorageOffset} reaches " +
                $"element {last} of storage '{storage.Key}', which has {storage.ElementCount}; the file is damaged.");
        }
        return contiguous
            ? new TensorSource(file, storageStart + tensor.StorageOffset * elementSize, storage.DType, tensor.Shape) { Entry = entry, Name = name }
            : new TensorSource(file, storageStart, storage.DType, tensor.Shape, tensor.Stride, tensor.StorageOffset) { Entry = entry, Name = name };
    }

    private static string FindPickle(MappedFile file, StoredZipArchive zip)
    {
        var pickles = zip.EntryNames
            .Where(n => n == "data.pkl" || (n.EndsWith("/data.pkl", StringComparison.Ordinal) && n.IndexOf('/') == n.Length - "/data.pkl".Length))
            .ToList();
        if (pickles.Count == 1)
        {
            return pickles[0];
        }
        if (zip.EntryNames.Any(n => n.EndsWith("/constants.pkl", StringComparison.Ordinal) || n.Contains("/code/", StringComparison.Ordinal)))
        {
            throw new CheckpointFormatException(file.Path,
                "this is a TorchScript archive (torch.jit.save), not a state dict. Load it in Python and save " +
                "model.state_dict() with torch.save, or export safetensors.");
        }
        throw new CheckpointFormatException(file.Path,
            pickles.Count == 0
                ? "the zip archive has no ARCHIVE/data.pkl entry, so it was not written by torch.save. Download it again."
                : $"the zip archive has {pickles.Count} data.pkl entries ({string.Join(", ", pickles)}); torch.save writes one.");
    }

    private static void CheckByteOrder(MappedFile file, StoredZipArchive zip, string entry)
    {
        if (!zip.Contains(entry))
        {
            return; // Older PyTorch versions wrote no byteorder record; they were little-endian only.
        }
        (long offset, long length) = zip.GetStoredData(entry);
        string order = Encoding.ASCII.GetString(file.ReadBytes(offset, (int)Math.Min(length, 16))).Trim();
        if (order != "little")
        {
            throw new CheckpointFormatException(file.Path,
                $"the tensors were saved {order}-endian; only little-endian checkpoints are supported. Re-save it on a " +
                "little-endian machine or convert it to safetensors.");
        }
    }

    private static string Describe(object? value) => value switch
    {
        null => "None",
        string => "a string",
        long => "an integer",
        double => "a float",
        bool => "a bool",
        object?[] => "a tuple",
        List<object?> => "a list",
        RestrictedUnpickler.Dict => "a dict",
        RestrictedUnpickler.TensorReference => "a tensor",
        _ => "a " + value.GetType().Name,
    };
}
