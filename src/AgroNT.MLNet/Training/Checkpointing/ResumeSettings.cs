using System.Globalization;
using System.Text.Json.Nodes;

namespace AgroNT.MLNet.Training.Checkpointing;

/// <summary>An option a resumed run must share with its checkpoint, as C# users (<paramref name="OptionName"/>) and
/// command-line users (<paramref name="Flag"/>) know it.</summary>
/// <param name="OptionName">The options property, e.g. <c>LearningRate</c>.</param>
/// <param name="Flag">The command-line flag, e.g. <c>--learning-rate</c>; null for an option the CLI does not expose.</param>
internal readonly record struct ResumeOption(string OptionName, string? Flag = null);

/// <summary>
/// The settings a resumed run must share with the checkpoint it continues (the <c>settings</c> of
/// <c>trainer_state.json</c>), each entry naming the options it comes from, and the one comparison both trainers use
/// to refuse a resume with one message that names every differing option and both values.
/// </summary>
/// <remarks>
/// An entry made of several options is stored as one string of their values joined by a separator (the layout
/// checkpoints have always had, so older checkpoints compare unchanged); a difference is reported per option.
/// </remarks>
internal sealed class ResumeSettings
{
    private readonly List<Entry> _entries = [];

    /// <summary>Sets an entry of one option (replacing one of the same key).</summary>
    /// <param name="key">The key in <c>trainer_state.json</c>.</param>
    /// <param name="value">The value; objects and arrays are compared whole and not printed.</param>
    /// <param name="option">The option it comes from.</param>
    /// <param name="omitWhenNull">Leave the entry out of the file when <paramref name="value"/> is null, so checkpoints
    /// written before the option existed still resume.</param>
    public ResumeSettings Set(string key, JsonNode? value, ResumeOption option, bool omitWhenNull = false)
    {
        _entries.RemoveAll(e => e.Key == key);
        _entries.Add(new Entry(key, value, null, [option], omitWhenNull));
        return this;
    }

    /// <summary>Sets an entry of several options, stored as their values joined by <paramref name="separator"/>.</summary>
    public ResumeSettings SetJoined(string key, char separator, params (ResumeOption Option, object? Value)[] parts)
    {
        _entries.RemoveAll(e => e.Key == key);
        string joined = string.Join(separator, parts.Select(p => Format(p.Value)));
        _entries.Add(new Entry(key, joined, separator, [.. parts.Select(p => p.Option)], false));
        return this;
    }

    /// <summary>The entries as <c>trainer_state.json</c> stores them.</summary>
    public JsonObject ToJson()
    {
        var json = new JsonObject();
        foreach (var entry in _entries.Where(e => !(e.OmitWhenNull && e.Value is null)))
        {
            json[entry.Key] = entry.Value?.DeepClone();
        }
        return json;
    }

    /// <summary>What differs between these settings and a checkpoint's, one phrase per option, e.g.
    /// <c>--learning-rate 0.0001 (LearningRate) differs from the checkpoint's 5E-05</c>; empty when they match.</summary>
    public IReadOnlyList<string> Differences(JsonObject saved)
    {
        ArgumentNullException.ThrowIfNull(saved);
        var differences = new List<string>();
        foreach (var entry in _entries)
        {
            JsonNode? current = entry.OmitWhenNull && entry.Value is null ? null : entry.Value;
            JsonNode? theirs = saved[entry.Key];
            if (JsonNode.DeepEquals(current, theirs))
            {
                continue;
            }
            if (entry.Separator is { } separator && current is JsonValue && theirs is JsonValue value
                && value.TryGetValue(out string? text))
            {
                string[] mine = current.GetValue<string>().Split(separator);
                string[] other = text.Split(separator);
                if (mine.Length == entry.Options.Length && other.Length == mine.Length)
                {
                    for (int i = 0; i < mine.Length; i++)
                    {
                        if (mine[i] != other[i])
                        {
                            differences.Add(Phrase(entry.Options[i], mine[i], other[i]));
                        }
                    }
                    continue;
                }
            }
            differences.Add(current is JsonObject or JsonArray || theirs is JsonObject or JsonArray
                ? $"{Name(entry.Options)} differs from the checkpoint's"
                : entry.Options.Length == 1
                    ? Phrase(entry.Options[0], Show(current), Show(theirs))
                    : $"{Name(entry.Options)}: {Show(current)} differs from the checkpoint's {Show(theirs)}");
        }
        foreach (var (key, value) in saved)
        {
            if (!_entries.Any(e => e.Key == key))
            {
                differences.Add($"the checkpoint has a setting '{key}' ({Show(value)}) that this run does not");
            }
        }
        return differences;
    }

    /// <summary>Throws when a checkpoint's settings differ from these.</summary>
    /// <param name="saved">The checkpoint's settings.</param>
    /// <param name="checkpointFolder">The checkpoint, for the message.</param>
    /// <param name="advice">What to keep the same, for the message.</param>
    /// <exception cref="InvalidOperationException">The settings differ; the message names every differing option.</exception>
    public void EnsureMatches(JsonObject saved, string checkpointFolder, string advice)
    {
        var differences = Differences(saved);
        if (differences.Count > 0)
        {
            throw new InvalidOperationException(
                $"{checkpointFolder} was written with other settings: {string.Join("; ", differences)}. {advice}");
        }
    }

    private static string Phrase(ResumeOption option, string current, string theirs) => option.Flag is null
        ? $"{option.OptionName} {current} differs from the checkpoint's {theirs}"
        : $"{option.Flag} {current} ({option.OptionName}) differs from the checkpoint's {theirs}";

    private static string Name(ResumeOption[] options) =>
        string.Join(", ", options.Select(o => o.Flag is null ? o.OptionName : $"{o.Flag} ({o.OptionName})"));

    private static string Show(JsonNode? value) => value switch
    {
        null => "(not set)",
        JsonValue v when v.TryGetValue(out string? s) => s,
        _ => value.ToJsonString(),
    };

    private static string Format(object? value) => value switch
    {
        null => "",
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        float f => f.ToString("R", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    private sealed record Entry(string Key, JsonNode? Value, char? Separator, ResumeOption[] Options, bool OmitWhenNull);
}
