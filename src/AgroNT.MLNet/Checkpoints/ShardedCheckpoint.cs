using System.Text.Json;

namespace AgroNT.MLNet.Checkpoints;

/// <summary>
/// A checkpoint split over several files: <c>model.safetensors.index.json</c> or <c>pytorch_model.bin.index.json</c>,
/// whose <c>weight_map</c> names the shard that holds each tensor (<c>model-00001-of-00002.safetensors</c>, ...).
/// Opening reads the index and every shard's header, and checks that each mapped tensor is in its shard.
/// </summary>
public sealed class ShardedCheckpoint : CheckpointReader
{
    private readonly List<CheckpointReader> _shards;
    private readonly Dictionary<string, CheckpointReader> _shardOf;

    private ShardedCheckpoint(string indexPath, CheckpointFormat format, IReadOnlyList<CheckpointTensorInfo> tensors,
        List<CheckpointReader> shards, Dictionary<string, CheckpointReader> shardOf, IReadOnlyDictionary<string, string> weightMap)
        : base(indexPath, format, tensors)
    {
        _shards = shards;
        _shardOf = shardOf;
        WeightMap = weightMap;
    }

    /// <summary>The index's <c>weight_map</c>: tensor name to shard file name.</summary>
    public IReadOnlyDictionary<string, string> WeightMap { get; }

    /// <summary>The shard files, full paths, in name order.</summary>
    public IReadOnlyList<string> ShardPaths => _shards.Select(s => s.Location).ToList();

    /// <summary>Reads the index at <paramref name="indexPath"/> and opens its shards.</summary>
    /// <exception cref="FileNotFoundException">The index or a shard it names does not exist.</exception>
    /// <exception cref="CheckpointFormatException">The index is corrupt, names a file outside its folder, or a tensor is not in its shard.</exception>
    public static ShardedCheckpoint Open(string indexPath)
    {
        string index = Path.GetFullPath(indexPath);
        string folder = Path.GetDirectoryName(index)!;
        Dictionary<string, string> weightMap = ReadWeightMap(index, folder);

        var shards = new List<CheckpointReader>();
        try
        {
            var shardByFile = new Dictionary<string, CheckpointReader>(StringComparer.Ordinal);
            foreach (string shardFile in weightMap.Values.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
            {
                string shardPath = Path.Combine(folder, shardFile);
                if (!File.Exists(shardPath))
                {
                    throw new FileNotFoundException(
                        $"{index} names the shard {shardFile}, which is not in {folder}: the download is incomplete. " +
                        "Download the model again.", shardPath);
                }
                CheckpointReader shard = shardFile.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase)
                    ? SafeTensorsFile.Open(shardPath)
                    : PyTorchCheckpointFile.Open(shardPath);
                shards.Add(shard);
                shardByFile.Add(shardFile, shard);
            }

            var shardOf = new Dictionary<string, CheckpointReader>(StringComparer.Ordinal);
            var tensors = new List<CheckpointTensorInfo>(weightMap.Count);
            foreach (CheckpointReader shard in shards)
            {
                // Data order within each shard, shards in name order: sequential reads.
                foreach (CheckpointTensorInfo info in shard.Tensors)
                {
                    if (weightMap.TryGetValue(info.Name, out string? mapped) && shardByFile[mapped] == shard)
                    {
                        tensors.Add(info);
                        shardOf.Add(info.Name, shard);
                    }
                }
            }
            foreach ((string name, string shardFile) in weightMap)
            {
                if (!shardOf.ContainsKey(name))
                {
                    throw new CheckpointFormatException(index,
                        $"the weight_map puts '{name}' in {shardFile}, but that shard has no such tensor: the index and " +
                        "the shards are from different downloads. Download the model again.");
                }
            }
            CheckpointFormat format = Path.GetFileName(index).Contains(".safetensors", StringComparison.OrdinalIgnoreCase)
                ? CheckpointFormat.ShardedSafeTensors
                : CheckpointFormat.ShardedPyTorch;
            return new ShardedCheckpoint(index, format, tensors, shards, shardOf, weightMap);
        }
        catch
        {
            foreach (CheckpointReader shard in shards)
            {
                shard.Dispose();
            }
            throw;
        }
    }

    internal override TensorSource GetSource(string name) =>
        _shardOf.TryGetValue(name, out CheckpointReader? shard)
            ? shard.GetSource(name)
            : throw new KeyNotFoundException($"{Location} has no tensor named '{name}'.");

    private protected override void DisposeCore()
    {
        foreach (CheckpointReader shard in _shards)
        {
            shard.Dispose();
        }
    }

    private static Dictionary<string, string> ReadWeightMap(string index, string folder)
    {
        if (!File.Exists(index))
        {
            throw new FileNotFoundException($"The checkpoint index {index} does not exist.", index);
        }
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(File.ReadAllBytes(index));
        }
        catch (JsonException e)
        {
            throw new CheckpointFormatException(index, $"the index is not valid JSON ({e.Message}). Download it again.", e);
        }
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object
                || !document.RootElement.TryGetProperty("weight_map", out JsonElement map)
                || map.ValueKind != JsonValueKind.Object)
            {
                throw new CheckpointFormatException(index, "the index has no \"weight_map\" object; it is not a Hugging Face checkpoint index.");
            }
            var weightMap = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (JsonProperty entry in map.EnumerateObject())
            {
                string shard = entry.Value.ValueKind == JsonValueKind.String
                    ? entry.Value.GetString()!
                    : throw new CheckpointFormatException(index, $"the weight_map entry '{entry.Name}' is not a file name.");
                string full = Path.GetFullPath(Path.Combine(folder, shard));
                if (shard.Length == 0 || Path.IsPathRooted(shard) || !full.StartsWith(folder + Path.DirectorySeparatorChar, StringComparison.Ordinal))
                {
                    throw new CheckpointFormatException(index,
                        $"the weight_map puts '{entry.Name}' in '{shard}', outside the index's folder; refusing to read it.");
                }
                if (!weightMap.TryAdd(entry.Name, shard))
                {
                    throw new CheckpointFormatException(index, $"the weight_map names '{entry.Name}' twice.");
                }
            }
            return weightMap;
        }
    }
}
