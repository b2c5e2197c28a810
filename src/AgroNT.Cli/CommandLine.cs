namespace AgroNT.Cli;

/// <summary>A usage error: printed as one line on stderr, exit code 2.</summary>
internal sealed class UsageException(string message) : Exception(message);

/// <summary>An option a verb accepts.</summary>
/// <param name="Name">Long name without dashes (<c>model</c> for <c>--model</c>).</param>
/// <param name="Alias">Optional one-letter alias (<c>i</c> for <c>-i</c>).</param>
/// <param name="TakesValue">False for flags such as <c>--json</c>.</param>
/// <param name="Help">One line of help.</param>
/// <param name="Repeatable">Whether the value may be given several times (or several values after one option).</param>
internal sealed record OptionSpec(string Name, string? Alias, bool TakesValue, string Help, bool Repeatable = false);

/// <summary>Parsed arguments of one verb: options by long name and positional arguments in order.</summary>
internal sealed class ParsedArguments
{
    private readonly Dictionary<string, List<string>> _values = new(StringComparer.Ordinal);

    public ParsedArguments(string verb, IReadOnlyList<OptionSpec> specs, IReadOnlyList<string> args)
    {
        Verb = verb;
        var byName = specs.ToDictionary(s => s.Name, StringComparer.Ordinal);
        var byAlias = specs.Where(s => s.Alias != null).ToDictionary(s => s.Alias!, StringComparer.Ordinal);
        var positional = new List<string>();
        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            if (arg == "--")
            {
                positional.AddRange(args.Skip(i + 1));
                break;
            }
            OptionSpec? spec = null;
            string? inlineValue = null;
            if (arg.StartsWith("--", StringComparison.Ordinal) && arg.Length > 2)
            {
                string name = arg[2..];
                int eq = name.IndexOf('=', StringComparison.Ordinal);
                if (eq >= 0)
                {
                    inlineValue = name[(eq + 1)..];
                    name = name[..eq];
                }
                spec = byName.GetValueOrDefault(name) ?? throw new UsageException($"unknown option '--{name}' for '{verb}' (see 'agront {verb} --help').");
            }
            else if (arg.Length == 2 && arg[0] == '-' && char.IsLetter(arg[1]))
            {
                spec = byAlias.GetValueOrDefault(arg[1..]) ?? throw new UsageException($"unknown option '{arg}' for '{verb}' (see 'agront {verb} --help').");
            }
            if (spec is null)
            {
                positional.Add(arg);
                continue;
            }
            if (!_values.TryGetValue(spec.Name, out var list))
            {
                _values[spec.Name] = list = [];
            }
            else if (!spec.Repeatable)
            {
                throw new UsageException($"option '--{spec.Name}' is given more than once.");
            }
            if (!spec.TakesValue)
            {
                if (inlineValue != null)
                {
                    throw new UsageException($"option '--{spec.Name}' is a flag and takes no value.");
                }
                list.Add("true");
                continue;
            }
            if (inlineValue != null)
            {
                list.Add(inlineValue);
                continue;
            }
            if (i + 1 >= args.Count || IsOptionName(args[i + 1]))
            {
                throw new UsageException($"option '--{spec.Name}' needs a value{(i + 1 < args.Count ? $", but '{args[i + 1]}' follows it" : "")}.");
            }
            list.Add(args[++i]);
            // A repeatable option takes every following value up to the next option (--genome a.fa b.fa).
            while (spec.Repeatable && i + 1 < args.Count && !args[i + 1].StartsWith('-'))
            {
                list.Add(args[++i]);
            }
        }
        Positional = positional;
    }

    /// <summary>
    /// Whether an argument is an option rather than a value: <c>--name</c> or a one-letter <c>-x</c>. Anything else that
    /// starts with '-' (<c>-1</c>, <c>-1,abc</c>, <c>-</c>) is a value, so the option it follows reports what is wrong with it.
    /// </summary>
    private static bool IsOptionName(string arg) =>
        (arg.StartsWith("--", StringComparison.Ordinal) && arg.Length > 2) || (arg.Length == 2 && arg[0] == '-' && char.IsLetter(arg[1]));

    /// <summary>The verb these arguments belong to.</summary>
    public string Verb { get; }

    /// <summary>Arguments that are not options, in order.</summary>
    public IReadOnlyList<string> Positional { get; }

    public bool Has(string name) => _values.ContainsKey(name);

    public string? Get(string name) => _values.TryGetValue(name, out var v) ? v[^1] : null;

    public IReadOnlyList<string> GetAll(string name) => _values.TryGetValue(name, out var v) ? v : [];

    public string Require(string name) => Get(name) ?? throw new UsageException($"'{Verb}' needs --{name}.");

    public int GetInt(string name, int defaultValue, int min = int.MinValue, int max = int.MaxValue)
    {
        string? text = Get(name);
        if (text is null)
        {
            return defaultValue;
        }
        if (!int.TryParse(text, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out int value) || value < min || value > max)
        {
            throw new UsageException($"--{name} must be an integer between {min} and {max}, got '{text}'.");
        }
        return value;
    }

    public T GetEnum<T>(string name, T defaultValue) where T : struct, Enum
    {
        string? text = Get(name);
        if (text is null)
        {
            return defaultValue;
        }
        string normalized = text.Replace("-", "", StringComparison.Ordinal);
        return Enum.TryParse<T>(normalized, ignoreCase: true, out var value) && Enum.IsDefined(value)
            ? value
            : throw new UsageException($"--{name} must be one of {string.Join("|", Enum.GetNames<T>().Select(n => n.ToLowerInvariant()))}, got '{text}'.");
    }
}
