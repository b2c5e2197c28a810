using System.CommandLine;
using System.CommandLine.Parsing;

namespace AgroNT.Cli;

/// <summary>
/// The agront command tree on System.CommandLine, built from each verb's declarative <see cref="IVerb.Options"/>: one
/// <see cref="Command"/> per verb, one <see cref="Option"/> per <see cref="OptionSpec"/>. It brings generated help,
/// response files (<c>agront @args.rsp</c>), bundled short flags (<c>-qr main</c>), <c>--name=value</c>, <c>--</c> and the
/// <c>[suggest]</c> directive that shell completion calls; a parse is turned back into <see cref="ParsedArguments"/>,
/// so the verbs read their options as before, and every usage error into one line naming the option and the fix.
/// </summary>
internal static class CliParser
{
    /// <summary>Width help is wrapped at: fixed, so docs/cli/*.md do not depend on the terminal that made them.</summary>
    public const int HelpWidth = 120;

    /// <summary>The positional arguments a verb takes (the others take none): help name, help text, completions.</summary>
    private static readonly Dictionary<string, (string Name, string Help, string[] Completions)> s_positional = new(StringComparer.Ordinal)
    {
        ["cluster"] = ("ACTION", "silo, status or cancel", ["silo", "status", "cancel"]),
        ["download"] = ("MODEL_ID", "the Hub model to fetch, ORG/NAME[@REVISION] (none with --dataset)", []),
        ["fill-mask"] = ("TEXT", "the DNA (or protein) text holding one or more <mask>", []),
        ["plot"] = ("CHART", "embeddings or metrics", ["embeddings", "metrics"]),
        ["completion"] = ("SHELL", "bash or zsh", ["bash", "zsh"]),
    };

    /// <summary>One verb's command: its options by spec and its positional argument, if it takes one.</summary>
    internal sealed class VerbCommand : Command
    {
        public VerbCommand(string name, string summary, string usage, IReadOnlyList<OptionSpec> specs, IVerb? verb)
            : base(name, summary)
        {
            Verb = verb;
            Summary = summary;
            Usage = usage;
            var options = new List<(OptionSpec, Option)>();
            foreach (var spec in specs)
            {
                string[] aliases = spec.Alias is null ? [] : ["-" + spec.Alias];
                Option option = !spec.TakesValue
                    ? new Option<bool>("--" + spec.Name, aliases) { Arity = ArgumentArity.Zero }
                    : spec.Repeatable
                        ? new Option<string[]>("--" + spec.Name, aliases) { Arity = ArgumentArity.OneOrMore, AllowMultipleArgumentsPerToken = true, HelpName = "VALUE" }
                        : new Option<string>("--" + spec.Name, aliases) { Arity = ArgumentArity.ExactlyOne, HelpName = "VALUE" };
                option.Description = spec.Help;
                Options.Add(option);
                options.Add((spec, option));
            }
            OptionMap = options;
            if (s_positional.TryGetValue(name, out var positional))
            {
                var argument = new Argument<string[]>(positional.Name)
                {
                    Arity = ArgumentArity.ZeroOrMore,
                    Description = positional.Help,
                    HelpName = positional.Name,
                };
                if (positional.Completions.Length > 0)
                {
                    argument.CompletionSources.Add(positional.Completions);
                }
                Arguments.Add(argument);
                Positional = argument;
            }
        }

        /// <summary>The verb run for this command (null for a command parsed on its own).</summary>
        public IVerb? Verb { get; }

        /// <summary>The verb's one-line summary.</summary>
        public string Summary { get; }

        /// <summary>The verb's usage lines.</summary>
        public string Usage { get; }

        /// <summary>Each option spec with the option built from it.</summary>
        public IReadOnlyList<(OptionSpec Spec, Option Option)> OptionMap { get; }

        /// <summary>The positional argument, for the verbs that take one.</summary>
        public Argument<string[]>? Positional { get; }
    }

    /// <summary>The parser settings: POSIX bundling of one-letter flags and response files (both System.CommandLine's defaults).</summary>
    private static ParserConfiguration Configuration => new() { EnablePosixBundling = true };

    /// <summary>The root command, <c>agront</c>, with one subcommand per verb.</summary>
    public static RootCommand BuildRoot(IEnumerable<IVerb> verbs)
    {
        var root = new RootCommand("AgroNT plant DNA language model tools");
        foreach (var verb in verbs)
        {
            root.Subcommands.Add(new VerbCommand(verb.Name, verb.Summary, verb.Usage, verb.Options, verb));
        }
        return root;
    }

    /// <summary>Parses a whole command line (verb first).</summary>
    public static ParseResult Parse(RootCommand root, IReadOnlyList<string> args) => root.Parse(args, Configuration);

    /// <summary>Parses the words after a verb against its options alone (no verb to run).</summary>
    public static ParsedArguments ParseVerb(string verb, IReadOnlyList<OptionSpec> specs, IReadOnlyList<string> args)
    {
        var command = new VerbCommand(verb, "", "", specs, null);
        return ToArguments(CommandLineParser.Parse(command, args, Configuration), command, args);
    }

    /// <summary>
    /// The parse as <see cref="ParsedArguments"/>; a usage error throws <see cref="UsageException"/> with one line that
    /// names the option and the fix. <paramref name="args"/> are the words as given (to tell <c>--flag=value</c>).
    /// </summary>
    public static ParsedArguments ToArguments(ParseResult result, VerbCommand command, IReadOnlyList<string> args)
    {
        string verb = command.Name;
        string seeHelp = $"(see 'agront {verb} --help')";
        // Anything that looks like an option but is not one of the verb's is a typo, not a value or a positional argument.
        // System.CommandLine gives an option expecting a value the next word even when it is another option
        // (-i --model M): that is a missing value.
        for (int i = 0; i < result.Tokens.Count; i++)
        {
            var token = result.Tokens[i];
            if (token.Type == TokenType.DoubleDash)
            {
                break;
            }
            if (token.Type == TokenType.Argument && IsOptionName(token.Value))
            {
                string name = token.Value.Split('=', 2)[0];
                if (FindOption(command, name) is not null && i > 0 && FindOption(command, result.Tokens[i - 1].Value) is { } previous)
                {
                    throw new UsageException($"option '--{previous.Name}' needs a value, but '{token.Value}' follows it.");
                }
                throw new UsageException($"unknown option '{name}' for '{verb}' {seeHelp}.");
            }
        }
        foreach (string arg in args.TakeWhile(a => a != "--"))
        {
            int eq = arg.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0 && FindOption(command, arg[..eq]) is { TakesValue: false } flag)
            {
                throw new UsageException($"option '--{flag.Name}' is a flag and takes no value.");
            }
        }
        var values = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var (spec, option) in command.OptionMap)
        {
            if (result.GetResult(option) is not { Implicit: false } optionResult)
            {
                continue;
            }
            if (!spec.Repeatable && optionResult.IdentifierTokenCount > 1)
            {
                throw new UsageException($"option '--{spec.Name}' is given more than once.");
            }
            if (spec.TakesValue && optionResult.Tokens.Count == 0)
            {
                string? next = TokenAfter(result.Tokens, optionResult.IdentifierToken);
                throw new UsageException($"option '--{spec.Name}' needs a value{(next is null ? "" : $", but '{next}' follows it")}.");
            }
            values[spec.Name] = spec.TakesValue ? [.. optionResult.Tokens.Select(t => t.Value)] : ["true"];
        }
        if (result.UnmatchedTokens.Count > 0)
        {
            throw new UsageException($"unexpected argument '{result.UnmatchedTokens[0]}': '{verb}' takes no positional arguments {seeHelp}.");
        }
        if (result.Errors.Count > 0)
        {
            throw new UsageException($"{result.Errors[0].Message.ReplaceLineEndings(" ").TrimEnd('.')} {seeHelp}.");
        }
        IReadOnlyList<string> positional = command.Positional is null
            ? []
            : result.GetResult(command.Positional)?.Tokens.Select(t => t.Value).ToList() ?? [];
        return new ParsedArguments(verb, values, positional);
    }

    /// <summary>The spec of the verb's option called <paramref name="name"/> (<c>--input</c> or <c>-i</c>), if any.</summary>
    private static OptionSpec? FindOption(VerbCommand command, string name) =>
        command.OptionMap.FirstOrDefault(o => o.Option.Name == name || o.Option.Aliases.Contains(name)).Spec;

    /// <summary>
    /// Whether an argument is an option rather than a value: <c>--name</c> or a one-letter <c>-x</c>. Anything else that
    /// starts with '-' (<c>-1</c>, <c>-1,abc</c>, <c>-</c>) is a value, so the option it follows reports what is wrong with it.
    /// </summary>
    private static bool IsOptionName(string arg) =>
        (arg.StartsWith("--", StringComparison.Ordinal) && arg.Length > 2) || (arg.Length == 2 && arg[0] == '-' && char.IsLetter(arg[1]));

    private static string? TokenAfter(IReadOnlyList<Token> tokens, Token? identifier)
    {
        if (identifier is null)
        {
            return null;
        }
        for (int i = 0; i < tokens.Count - 1; i++)
        {
            if (ReferenceEquals(tokens[i], identifier))
            {
                return tokens[i + 1].Value;
            }
        }
        for (int i = 0; i < tokens.Count - 1; i++)
        {
            if (tokens[i].Equals(identifier))
            {
                return tokens[i + 1].Value;
            }
        }
        return null;
    }

    /// <summary>
    /// Writes the help of <c>agront</c> (<paramref name="command"/> the root) or of one verb, generated from the command
    /// tree: a summary, usage lines, then aligned two-column rows of arguments, options and verbs, wrapped at
    /// <see cref="HelpWidth"/>, the description column starting after the longest name.
    /// </summary>
    public static void WriteHelp(Command command, TextWriter writer)
    {
        if (command is VerbCommand verb)
        {
            writer.WriteLine($"agront {verb.Name}: {verb.Summary}");
            writer.WriteLine();
            writer.WriteLine("Usage:");
            foreach (string line in verb.Usage.Split('\n'))
            {
                // A long usage line wraps, its continuation indented under the verb.
                var wrapped = Wrap(line.Trim(), HelpWidth - 6);
                writer.WriteLine("  " + wrapped[0]);
                foreach (string rest in wrapped.Skip(1))
                {
                    writer.WriteLine("      " + rest);
                }
            }
            if (verb.Positional is { } positional)
            {
                writer.WriteLine();
                writer.WriteLine("Arguments:");
                WriteRows(writer, [($"<{positional.HelpName}>", positional.Description ?? "")]);
            }
            writer.WriteLine();
            writer.WriteLine("Options:");
            WriteRows(writer, [.. verb.OptionMap.Select(o => (OptionLabel(o.Spec), o.Spec.Help)), ("-h, --help", "show this help")]);
            return;
        }
        writer.WriteLine("agront: AgroNT plant DNA language model tools");
        writer.WriteLine();
        writer.WriteLine("Usage:");
        WriteRows(writer,
        [
            ("agront VERB [options]", "run a verb; 'agront VERB --help' lists its options"),
            ("agront @FILE.rsp", "read the arguments from a response file (one or more a line)"),
            ("agront completion bash|zsh", "print a shell completion script"),
        ]);
        writer.WriteLine();
        writer.WriteLine("Verbs:");
        WriteRows(writer, [.. command.Subcommands.OfType<VerbCommand>().Select(v => (v.Name, v.Summary))]);
        writer.WriteLine();
        writer.WriteLine("Options:");
        WriteRows(writer, [("-h, --help", "show this help"), ("--version", "print the version")]);
    }

    private static string OptionLabel(OptionSpec spec) =>
        (spec.Alias is null ? "" : $"-{spec.Alias}, ") + $"--{spec.Name}" + (spec.TakesValue ? spec.Repeatable ? " VALUE..." : " VALUE" : "");

    /// <summary>Rows as two aligned columns; a name too long for the first column puts its text on the next line.</summary>
    private static void WriteRows(TextWriter writer, IReadOnlyList<(string Name, string Text)> rows)
    {
        const int Indent = 2, Gap = 2, MaxNameWidth = 34;
        int nameWidth = Math.Min(MaxNameWidth, rows.Max(r => r.Name.Length));
        int textColumn = Indent + nameWidth + Gap;
        int textWidth = Math.Max(20, HelpWidth - textColumn);
        foreach (var (name, text) in rows)
        {
            var lines = Wrap(text, textWidth);
            if (name.Length > nameWidth)
            {
                writer.WriteLine(new string(' ', Indent) + name);
                foreach (string line in lines)
                {
                    writer.WriteLine(new string(' ', textColumn) + line);
                }
                continue;
            }
            writer.WriteLine((new string(' ', Indent) + name.PadRight(nameWidth + Gap) + lines[0]).TrimEnd());
            foreach (string line in lines.Skip(1))
            {
                writer.WriteLine(new string(' ', textColumn) + line);
            }
        }
    }

    private static List<string> Wrap(string text, int width)
    {
        var lines = new List<string>();
        var line = new System.Text.StringBuilder();
        foreach (string word in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.Length > 0 && line.Length + 1 + word.Length > width)
            {
                lines.Add(line.ToString());
                line.Clear();
            }
            line.Append(line.Length > 0 ? " " : "").Append(word);
        }
        lines.Add(line.ToString());
        return lines;
    }
}
