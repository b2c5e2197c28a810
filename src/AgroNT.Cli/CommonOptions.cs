using AgroNT.MLNet;
using AgroNT.Transforms.Embeddings;
using AgroNT.Transforms.IO;
using AgroNT.Transforms.Sequences;
using AgroNT.Transforms.Tokenization;

namespace AgroNT.Cli;

/// <summary>Options and helpers several verbs share: model, tokenizer mode, length policy, input reading.</summary>
internal static class CommonOptions
{
    public const string DefaultModelFolderName = "agront-default";

    public static readonly OptionSpec Model = new("model", "m", true, "Hugging Face model folder or cached Hub id ORG/NAME (default: the embedded model)");
    public static readonly OptionSpec Input = new("input", "i", true, "FASTA/FASTQ (.fa .fasta .fna .fq .fastq, optionally .gz) or .txt (one sequence per line)");
    public static readonly OptionSpec Output = new("output", "o", true, "output file");
    public static readonly OptionSpec TokenizerMode = new("tokenizer-mode", null, true, "normalize (default: uppercase, U->T, IUPAC->N) or hf (exact Hugging Face EsmTokenizer)");
    public static readonly OptionSpec LengthPolicy = new("length-policy", null, true, "over 1024 tokens: error (default), truncate, or windows");
    public static readonly OptionSpec AllowNonFiniteWeights = new("allow-non-finite-weights", null, false, "load weights holding NaN or infinite values instead of refusing them (to inspect a damaged model)");
    public static readonly OptionSpec Device = new("device", null, true, "cpu (default), or cuda[:N] with a CUDA libtorch (the TorchSharp-cuda-linux package)");
    public static readonly OptionSpec Strand = new("strand", null, true, "forward (default: the sequence as given), reverse (its reverse complement) or both (the mean of the two strands)");
    public static readonly OptionSpec Quiet = new("quiet", "q", false, "no progress on standard error (a bar on a terminal, a line every few seconds otherwise)");
    public static readonly OptionSpec Stride = new("stride", null, true, "window stride in tokens for --length-policy windows (default: the window size minus <cls>)");

    /// <summary>The model folder: --model, else the embedded default beside the executable.</summary>
    public static string ModelFolder(ParsedArguments args)
    {
        if (args.Get("model") is { } model)
        {
            return model;
        }
        string folder = Path.Combine(AppContext.BaseDirectory, "models", DefaultModelFolderName);
        return Directory.Exists(folder)
            ? folder
            : throw new DirectoryNotFoundException($"The embedded default model is missing from {folder}; pass --model DIR (a Hugging Face model folder).");
    }

    /// <summary>
    /// --device in its canonical form (<c>cpu</c>, <c>cuda:N</c>); a malformed value is a usage error. With
    /// <paramref name="checkTorchNow"/>, a CUDA device is checked against libtorch at once
    /// (<see cref="MLNet.Native.TorchRuntime.ResolveDevice"/>, the check model loading also makes), so a verb fails
    /// before it reads or writes anything.
    /// </summary>
    public static string DeviceName(ParsedArguments args, bool checkTorchNow = true)
    {
        ComputeDevice device;
        try
        {
            device = ComputeDevice.Parse(args.Get("device") ?? "cpu");
        }
        catch (FormatException e)
        {
            throw new UsageException("--device: " + e.Message);
        }
        if (device.IsCuda && checkTorchNow)
        {
            _ = MLNet.Native.TorchRuntime.ResolveDevice(device.ToString());
        }
        return device.ToString();
    }

    public static KmerTokenizerOptions TokenizerOptions(ParsedArguments args, LengthPolicy defaultPolicy = Transforms.Tokenization.LengthPolicy.Error)
    {
        var mode = args.GetEnum("tokenizer-mode", Transforms.Tokenization.TokenizerMode.Normalize);
        var policy = args.GetEnum("length-policy", defaultPolicy);
        int? stride = args.Has("stride") ? args.GetInt("stride", 0, 1, 100_000) : null;
        return KmerTokenizerOptions.Default with { Mode = mode, LengthPolicy = policy, WindowStride = stride };
    }

    /// <summary>The strand of --strand (forward by default).</summary>
    public static Transforms.Embeddings.Strand GetStrand(ParsedArguments args) =>
        args.GetEnum("strand", Transforms.Embeddings.Strand.Forward);

    /// <summary>The values of the named options as (flag, path) pairs, for <see cref="CheckOutputs"/>.</summary>
    public static IEnumerable<NamedPath> Paths(ParsedArguments args, params string[] names) =>
        names.SelectMany(name => args.GetAll(name).Select(value => new NamedPath("--" + name, value)));

    /// <summary>
    /// The shared output check (<see cref="OutputPaths"/>), run before any work: no output may be an input or another
    /// output, and each output named in <paramref name="extensions"/> must end in one of its extensions. A refusal is a
    /// usage error.
    /// </summary>
    public static void CheckOutputs(IEnumerable<NamedPath> inputs, IEnumerable<NamedPath> outputs, params (string Option, string[] Extensions)[] extensions)
    {
        var outputList = outputs.ToList();
        try
        {
            foreach (var (option, accepted) in extensions)
            {
                foreach (NamedPath output in outputList.Where(o => o.Name == option))
                {
                    OutputPaths.CheckExtension(output, accepted);
                }
            }
            OutputPaths.Check(inputs, outputList);
        }
        catch (ArgumentException e)
        {
            throw new UsageException(e.Message);
        }
    }

    public static IEnumerable<SequenceRecord> ReadInput(ParsedArguments args) => ReadInput(args, null, out _);

    /// <summary>
    /// The records of --input, telling <paramref name="bytesRead"/> the bytes of the file read so far (compressed bytes
    /// for gzip); <paramref name="length"/> is the file's length, the total those bytes reach.
    /// </summary>
    public static IEnumerable<SequenceRecord> ReadInput(ParsedArguments args, IProgress<long>? bytesRead, out long length)
    {
        string path = args.Require("input");
        RequireInputFile(path, "--input");
        length = new FileInfo(path).Length;
        return SequenceReader.ReadFile(path, null, bytesRead);
    }

    /// <summary>Refuses a missing input, and a folder given where a file belongs, naming the option.</summary>
    public static void RequireInputFile(string path, string option)
    {
        string full = Path.GetFullPath(path);
        if (Directory.Exists(full))
        {
            throw new UsageException($"{option} {full} is a folder; give a sequence file in it (.fa .fasta .fna .fq .fastq, optionally .gz, or .txt).");
        }
        if (!File.Exists(full))
        {
            throw new FileNotFoundException($"Input file not found: {full}.", path);
        }
    }

    /// <summary>
    /// Refuses a fine-tuned folder for a verb that scores masked tokens: its adapters and head predict a task, and the
    /// masked-LM head in it is the base model's, so the answer would silently ignore the fine-tuning.
    /// </summary>
    public static string MaskedLanguageModelFolder(ParsedArguments args, string verb)
    {
        string folder = ModelFolder(args);
        if (Transforms.ModelFolders.ModelFolder.Open(folder).Kind == Transforms.ModelFolders.ModelFolderKind.FineTuned)
        {
            throw new UsageException(
                $"{folder} is a fine-tuned folder ({Transforms.ModelFolders.ModelFolder.FineTunedManifestFileName}): its adapters and head predict a task, not masked tokens, " +
                $"so {verb} would read only the base weights in it. Give the pretrained model folder it was fine-tuned from, or use 'agront ism --model {folder}' for the fine-tuned head's effect of every substitution.");
        }
        return folder;
    }
}
