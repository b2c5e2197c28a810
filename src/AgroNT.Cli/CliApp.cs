using AgroNT.MLNet.Checkpoints;
using AgroNT.Transforms.Sequences;
using AgroNT.Transforms.Tokenization;

namespace AgroNT.Cli;

/// <summary>The agront tool: verb dispatch and the one-line error policy (exit 2 for usage, 1 for bad input).</summary>
internal static class CliApp
{
    private static readonly IReadOnlyDictionary<string, IVerb> s_verbs = new IVerb[]
    {
        new TokenizeVerb(),
        new EmbedVerb(),
        new FillMaskVerb(),
        new CreateModelVerb(),
        new ExportOnnxVerb(),
        new BenchVerb(),
        new DownloadVerb(),
        new InfoVerb(),
        new FinetuneVerb(),
        new ScoreVariantsVerb(),
        new IsmVerb(),
        new PretrainVerb(),
        new ClusterVerb(),
        new PlotVerb(),
    }.ToDictionary(v => v.Name, StringComparer.Ordinal);

    /// <summary>The verbs' names, in the order <c>agront --help</c> lists them.</summary>
    internal static IEnumerable<string> VerbNames => s_verbs.Keys;

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken = default)
    {
        // The one place messages are printed from: names and messages from input files cannot reach the terminal raw.
        stderr = new TerminalSafeWriter(stderr);
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
        {
            PrintUsage(stdout);
            return args.Length == 0 ? 2 : 0;
        }
        if (args[0] == "--version")
        {
            stdout.WriteLine(typeof(CliApp).Assembly.GetName().Version);
            return 0;
        }
        if (!s_verbs.TryGetValue(args[0], out var verb))
        {
            stderr.WriteLine($"agront: error: unknown verb '{args[0]}'; verbs: {string.Join(", ", s_verbs.Keys)} (agront --help).");
            return 2;
        }
        if (args.Skip(1).Any(a => a is "-h" or "--help"))
        {
            PrintVerbHelp(verb, stdout);
            return 0;
        }
        try
        {
            var parsed = new ParsedArguments(verb.Name, verb.Options, args[1..]);
            return verb.Run(parsed, stdout, stderr, cancellationToken);
        }
        catch (UsageException e)
        {
            stderr.WriteLine($"agront {verb.Name}: error: {e.Message}");
            return 2;
        }
        catch (OperationCanceledException)
        {
            stderr.WriteLine($"agront {verb.Name}: cancelled; no partial output was kept.");
            return 130;
        }
        catch (DnaTokenizationException e) when (e.Error == DnaTokenizationError.TooManyTokens)
        {
            stderr.WriteLine($"agront {verb.Name}: error: {OneLine(e.Message)} On the command line: --length-policy truncate or --length-policy windows.");
            return 1;
        }
        catch (Exception e) when (IsInputError(e))
        {
            stderr.WriteLine($"agront {verb.Name}: error: {OneLine(e.Message)}");
            return 1;
        }
    }

    private static bool IsInputError(Exception e) => e is FileNotFoundException or DirectoryNotFoundException or FormatException
        or SequenceFormatException or DnaTokenizationException or CheckpointFormatException or CheckpointMismatchException
        or ArgumentException or InvalidOperationException or NotSupportedException or IOException or UnauthorizedAccessException
        or InvalidDataException or InsufficientMemoryException;

    private static string OneLine(string message) => message.ReplaceLineEndings(" ").Trim();

    private static void PrintUsage(TextWriter writer)
    {
        writer.WriteLine("agront: AgroNT plant DNA language model tools");
        writer.WriteLine();
        writer.WriteLine("usage: agront VERB [options]   (agront VERB --help for its options)");
        foreach (var verb in s_verbs.Values)
        {
            writer.WriteLine($"  {verb.Name,-14}{verb.Summary}");
        }
    }

    private static void PrintVerbHelp(IVerb verb, TextWriter writer)
    {
        writer.WriteLine($"agront {verb.Name}: {verb.Summary}");
        writer.WriteLine($"usage: {verb.Usage}");
        foreach (var option in verb.Options)
        {
            string names = (option.Alias is null ? "" : $"-{option.Alias}, ") + $"--{option.Name}" + (option.TakesValue ? " VALUE" : "");
            writer.WriteLine($"  {names,-28}{option.Help}");
        }
    }
}

/// <summary>One agront verb.</summary>
internal interface IVerb
{
    string Name { get; }

    string Summary { get; }

    string Usage { get; }

    IReadOnlyList<OptionSpec> Options { get; }

    int Run(ParsedArguments args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken);
}
