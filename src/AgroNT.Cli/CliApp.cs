using AgroNT.MLNet.Checkpoints;
using AgroNT.Transforms.Sequences;
using AgroNT.Transforms.Tokenization;
using System.CommandLine;
using System.CommandLine.Completions;

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
        new CompletionVerb(),
    }.ToDictionary(v => v.Name, StringComparer.Ordinal);

    /// <summary>The verbs' names, in the order <c>agront --help</c> lists them.</summary>
    internal static IEnumerable<string> VerbNames => s_verbs.Keys;

    /// <summary>The <c>agront</c> command tree (System.CommandLine) of every verb.</summary>
    internal static RootCommand BuildRootCommand()
    {
        var root = CliParser.BuildRoot(s_verbs.Values);
        if (!root.Directives.OfType<SuggestDirective>().Any())
        {
            root.Add(new SuggestDirective());
        }
        return root;
    }

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken = default)
    {
        // The one place messages are printed from: names and messages from input files cannot reach the terminal raw.
        stderr = new TerminalSafeWriter(stderr);
        var root = BuildRootCommand();
        if (args.Length == 0)
        {
            CliParser.WriteHelp(root, stdout);
            return 2;
        }
        if (args is ["--version"])
        {
            stdout.WriteLine(typeof(CliApp).Assembly.GetName().Version);
            return 0;
        }
        if (args[0] == "help")
        {
            if (args.Length > 1 && !s_verbs.ContainsKey(args[1]))
            {
                return UnknownVerb(args[1], stderr);
            }
            args = args.Length > 1 ? [args[1], "--help"] : ["--help"];
        }
        // A response file (@FILE) that is missing: say which, before System.CommandLine's generic parse error.
        if (args.FirstOrDefault(a => a.Length > 1 && a[0] == '@' && !File.Exists(a[1..])) is { } missing)
        {
            stderr.WriteLine($"agront: error: response file '{missing[1..]}' not found ({missing} reads the arguments from that file, one or more a line).");
            return 2;
        }
        var result = CliParser.Parse(root, args);
        if (result.GetResult(root.Directives.OfType<SuggestDirective>().First()) is not null)
        {
            // [suggest:POSITION] "agront VERB --par": the completions of the word at the cursor, one a line (shell completion).
            return result.Invoke(new InvocationConfiguration { Output = stdout, Error = stderr });
        }
        if (result.Action is System.CommandLine.Help.HelpAction)
        {
            CliParser.WriteHelp(result.CommandResult.Command, stdout);
            return 0;
        }
        if (result.CommandResult.Command is not CliParser.VerbCommand { Verb: { } verb } command)
        {
            return UnknownVerb(result.UnmatchedTokens.FirstOrDefault() ?? args[0], stderr);
        }
        try
        {
            var parsed = CliParser.ToArguments(result, command, args);
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
        catch (Exception e) when (IsInputError(e))
        {
            stderr.WriteLine($"agront {verb.Name}: error: {CliMessages.ForCli(OneLine(e.Message))}");
            return 1;
        }
    }

    private static int UnknownVerb(string word, TextWriter stderr)
    {
        stderr.WriteLine(word.StartsWith('-')
            ? $"agront: error: unknown option '{word}'; give a verb first: agront VERB {word} (agront --help lists the verbs)."
            : $"agront: error: unknown verb '{word}'; verbs: {string.Join(", ", s_verbs.Keys)} (agront --help).");
        return 2;
    }

    private static bool IsInputError(Exception e) => e is FileNotFoundException or DirectoryNotFoundException or FormatException
        or SequenceFormatException or DnaTokenizationException or CheckpointFormatException or CheckpointMismatchException
        or ArgumentException or InvalidOperationException or NotSupportedException or IOException or UnauthorizedAccessException
        or InvalidDataException or InsufficientMemoryException;

    private static string OneLine(string message) => message.ReplaceLineEndings(" ").Trim();
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
