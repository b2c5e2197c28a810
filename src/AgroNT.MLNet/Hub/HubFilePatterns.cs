using System.Text;
using System.Text.RegularExpressions;

namespace AgroNT.MLNet.Hub;

/// <summary>
/// Include patterns for repository paths with fnmatch's meaning (as huggingface_hub's <c>allow_patterns</c>):
/// <c>*</c> matches any text including <c>/</c>, <c>?</c> one character, <c>[abc]</c>/<c>[!abc]</c> a set, and a
/// pattern ending in <c>/</c> matches everything under that folder. Case-sensitive.
/// </summary>
internal sealed class HubFilePatterns
{
    private readonly Regex[] _patterns;

    private HubFilePatterns(IReadOnlyList<string> texts, Regex[] patterns)
    {
        Texts = texts;
        _patterns = patterns;
    }

    /// <summary>The patterns as given.</summary>
    public IReadOnlyList<string> Texts { get; }

    /// <summary>Compiles <paramref name="patterns"/>; none matches everything.</summary>
    /// <exception cref="ArgumentException">An empty pattern.</exception>
    public static HubFilePatterns Create(IReadOnlyList<string>? patterns)
    {
        patterns ??= [];
        var compiled = new Regex[patterns.Count];
        for (int i = 0; i < patterns.Count; i++)
        {
            string pattern = patterns[i];
            if (string.IsNullOrWhiteSpace(pattern))
            {
                throw new ArgumentException("An include pattern is empty; give a file name or a glob such as *.safetensors.", nameof(patterns));
            }
            compiled[i] = new Regex(ToRegex(pattern.EndsWith('/') ? pattern + "*" : pattern), RegexOptions.CultureInvariant | RegexOptions.Singleline);
        }
        return new HubFilePatterns(patterns, compiled);
    }

    /// <summary>Whether <paramref name="path"/> is wanted.</summary>
    public bool IsMatch(string path) => _patterns.Length == 0 || _patterns.Any(p => p.IsMatch(path));

    private static string ToRegex(string pattern)
    {
        var regex = new StringBuilder("^");
        for (int i = 0; i < pattern.Length; i++)
        {
            char c = pattern[i];
            switch (c)
            {
                case '*':
                    regex.Append(".*");
                    break;
                case '?':
                    regex.Append('.');
                    break;
                case '[':
                    int close = pattern.IndexOf(']', i + 2 <= pattern.Length ? i + 2 : pattern.Length);
                    if (close < 0)
                    {
                        regex.Append(@"\[");
                        break;
                    }
                    string set = pattern[(i + 1)..close];
                    bool negate = set.StartsWith('!');
                    if (negate)
                    {
                        set = set[1..];
                    }
                    string members = set.Replace(@"\", @"\\", StringComparison.Ordinal).Replace("[", @"\[", StringComparison.Ordinal);
                    // A leading ^ is literal in fnmatch but negates in a regex set.
                    regex.Append('[').Append(negate ? "^" : members.StartsWith('^') ? "\\" : "").Append(members).Append(']');
                    i = close;
                    break;
                default:
                    regex.Append(Regex.Escape(c.ToString()));
                    break;
            }
        }
        return regex.Append('$').ToString();
    }
}
