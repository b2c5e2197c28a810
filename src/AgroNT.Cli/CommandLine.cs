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
    private readonly IReadOnlyDictionary<string, List<string>> _values;

    /// <summary>
    /// Parses <paramref name="args"/> (the words after the verb) against <paramref name="specs"/> with the tool's parser
    /// (<see cref="CliParser"/>); a usage error throws <see cref="UsageException"/>.
    /// </summary>
    public ParsedArguments(string verb, IReadOnlyList<OptionSpec> specs, IReadOnlyList<string> args)
    {
        var parsed = CliParser.ParseVerb(verb, specs, args);
        Verb = verb;
        _values = parsed._values;
        Positional = parsed.Positional;
    }

    /// <summary>Arguments already parsed: option values by long name, positional arguments in order.</summary>
    internal ParsedArguments(string verb, IReadOnlyDictionary<string, List<string>> values, IReadOnlyList<string> positional)
    {
        Verb = verb;
        _values = values;
        Positional = positional;
    }

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
