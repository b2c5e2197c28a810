using AgroNT.MLNet;
using AgroNT.MLNet.EmbeddingFiles;
using AgroNT.MLNet.Featurization;
using AgroNT.Transforms.Embeddings;
using AgroNT.Transforms.ModelFolders;
using AgroNT.Transforms.Onnx;
using AgroNT.Transforms.Sequences;

namespace AgroNT.Cli;

/// <summary><c>agront embed</c>: one embedding per record, streamed to Parquet, CSV, JSON Lines or NPY.</summary>
internal sealed class EmbedVerb : IVerb
{
    // Shared with the shards of --shards/--cluster, so that they batch records exactly as this path does.
    private const int RecordsPerChunk = AgroNT.Cluster.Sharding.ShardProcessor.RecordsPerChunk;

    public string Name => "embed";

    public string Summary => "embed DNA with AgroNT (parquet, csv, jsonl or npy output)";

    public string Usage => "agront embed [--model DIR] -i IN -o OUT.{parquet,csv,jsonl,npy} [--layer L] [--pooling mean|cls|tokens|per-nucleotide] [--strand forward|reverse|both] [--batch-size B] [--engine torch|onnx] [--shards N [--workers K] | --cluster HOST:PORT] [--merge OUT.parquet] (with --shards/--cluster, -o is a folder)";

    public IReadOnlyList<OptionSpec> Options { get; } =
    [
        CommonOptions.Model, CommonOptions.Input, CommonOptions.Output, CommonOptions.TokenizerMode, CommonOptions.LengthPolicy, CommonOptions.Stride,
        new("layer", null, true, "hidden state to pool: 0 = embeddings, N = last layer after the final LayerNorm (default N)"),
        new("pooling", null, true, "mean (default: real tokens, no <cls>), cls, tokens, or per-nucleotide"),
        CommonOptions.Strand,
        new("batch-size", null, true, "sequences per forward pass (default 8)"),
        new("precision", null, true, "fp32 (default) or bf16"),
        new("device", null, true, "cpu (default), or cuda[:N] with a CUDA libtorch"),
        new("threads", null, true, "intra-op threads of libtorch or ONNX Runtime (default: all cores)"),
        CommonOptions.AllowNonFiniteWeights, CommonOptions.Quiet,
        new("engine", null, true, "torch or onnx; by default the folder decides: an agront export-onnx folder runs on ONNX Runtime, any other on TorchSharp"),
        .. ShardedEmbed.Options,
    ];

    public int Run(ParsedArguments args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        if (ShardedEmbed.Applies(args))
        {
            return ShardedEmbed.Run(args, stdout, stderr, cancellationToken);
        }
        if (args.Has("workers") || args.Has("merge") || args.Has("cluster-id") || args.Has("lease-timeout"))
        {
            throw new UsageException("--workers, --merge, --cluster-id and --lease-timeout apply to sharded runs: add --shards N (this machine) or --cluster HOST:PORT.");
        }
        string output = args.Require("output");
        CommonOptions.CheckOutputs(CommonOptions.Paths(args, "input", "model"), CommonOptions.Paths(args, "output"), ("--output", [".parquet", ".csv", ".jsonl", ".npy"]));
        var format = EmbeddingFileFormats.FromPath(output);
        long bytesRead = 0;
        var records = CommonOptions.ReadInput(args, new SynchronousProgress<long>(b => bytesRead = b), out long inputLength);
        using var progress = CliProgress.Create(args, stderr, Name, ProgressUnit.Bytes);
        // The bar counts bytes of the input: those of the records embedded, and inside a chunk (one long record is one
        // chunk) the share of its tokens embedded so far, so it moves within a long record too.
        long count = 0, bases = 0, bytesBefore = 0, chunkBytes = 0, chunkBases = 0;
        var chunk = new List<SequenceRecord>(RecordsPerChunk);
        void Show(double share) => progress.Report(
            bytesBefore + (chunkBytes - bytesBefore) * share, inputLength,
            string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{count + (long)(chunk.Count * share):N0} records, {bases + (long)(chunkBases * share):N0} bp"));
        using var embedder = OpenEmbedder(args, new SynchronousProgress<DnaEmbeddingProgress>(p => Show(p.TokenCount > 0 ? (double)p.TokensDone / p.TokenCount : 1)));

        using var writer = EmbeddingFileWriter.Create(output, format);
        void Flush()
        {
            chunkBytes = bytesRead;
            chunkBases = chunk.Sum(r => (long)r.Sequence.Length);
            var vectors = embedder.Embed(chunk.Select(r => r.Sequence).ToList(), chunk.Select(r => r.Name).ToList(), cancellationToken);
            for (int i = 0; i < chunk.Count; i++)
            {
                writer.Write(chunk[i].Name, vectors[i]);
            }
            count += chunk.Count;
            bases += chunkBases;
            bytesBefore = chunkBytes;
            chunkBases = 0;
            Show(0);
            chunk.Clear();
        }
        foreach (var record in records)
        {
            if (record.Sequence.Length == 0)
            {
                progress.WriteLine($"agront embed: warning: record '{record.Name}' is empty; its embedding holds no sequence information (all zeros with --pooling mean).");
            }
            chunk.Add(record);
            if (chunk.Count == RecordsPerChunk)
            {
                Flush();
            }
        }
        if (chunk.Count > 0)
        {
            Flush();
        }
        writer.Complete();
        progress.Complete();
        return 0;
    }

    private static IDnaEmbedder OpenEmbedder(ParsedArguments args, IProgress<DnaEmbeddingProgress>? progress)
    {
        var precision = args.Get("precision") switch
        {
            null or "fp32" or "float32" => Precision.Float32,
            "bf16" or "bfloat16" => Precision.BFloat16,
            var other => throw new UsageException($"--precision must be fp32 or bf16, got '{other}'."),
        };
        string device = args.Get("device") ?? "cpu";
        try
        {
            _ = ComputeDevice.Parse(device);
        }
        catch (FormatException e)
        {
            throw new UsageException("--device: " + e.Message);
        }
        var folder = ModelFolder.Open(CommonOptions.ModelFolder(args));
        switch (args.Get("engine"))
        {
            case null:
                break;
            case "onnx" when folder.Kind != ModelFolderKind.Onnx:
                throw new UsageException($"--engine onnx needs --model OUTDIR, an ONNX model folder written by 'agront export-onnx'; {folder.Source} has no {ModelFolder.OnnxModelFileName}.");
            case "torch" when folder.Kind == ModelFolderKind.Onnx:
                throw new UsageException($"{folder.Source} is an ONNX export: use --engine onnx (or leave --engine out), or give a Hugging Face folder for --engine torch.");
            case "onnx" or "torch":
                break;
            case var other:
                throw new UsageException($"--engine must be torch or onnx, got '{other}'.");
        }
        if (folder.Kind == ModelFolderKind.Onnx && precision != Precision.Float32)
        {
            throw new UsageException($"--engine onnx runs the exported float32 graph; --precision {args.Get("precision")} applies to --engine torch only.");
        }
        int? threads = args.Has("threads") ? args.GetInt("threads", 0, 1, 1024) : null;
        if (threads is { } count && folder.Kind != ModelFolderKind.Onnx)
        {
            TorchSharp.torch.set_num_threads(count);
        }
        try
        {
            return DnaEmbedders.Open(folder.Path, new DnaEmbedderOptions
        {
            Layer = args.Has("layer") ? args.GetInt("layer", 0, 0) : null,
            Pooling = args.GetEnum("pooling", Pooling.Mean),
            Strand = CommonOptions.GetStrand(args),
            BatchSize = args.GetInt("batch-size", DnaEmbeddingOptions.DefaultBatchSize, 1, 4096),
            Precision = precision,
            Device = device,
            Tokenizer = CommonOptions.TokenizerOptions(args),
            IntraOpThreads = folder.Kind == ModelFolderKind.Onnx ? threads : null,
            AllowNonFiniteWeights = args.Has("allow-non-finite-weights"),
            Progress = progress,
        });
        }
        catch (ArgumentOutOfRangeException e) when (args.Has("layer") && e.Message.StartsWith("Layer", StringComparison.Ordinal))
        {
            throw new UsageException("--layer: " + e.Message.Split(" (Parameter", 2)[0]);
        }
        catch (ArgumentOutOfRangeException e) when (e.ParamName == nameof(DnaEmbeddingOptions.Strand))
        {
            throw new UsageException("--strand both cannot be combined with --pooling tokens: the 6-mers of the two strands start at different bases, so tokens do not pair up. Use --pooling per-nucleotide (exact per base), or --strand forward or reverse.");
        }
    }
}
