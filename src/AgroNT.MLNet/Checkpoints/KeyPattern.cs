namespace AgroNT.MLNet.Checkpoints;

/// <summary>
/// Glob matching for state-dict keys: <c>*</c> matches any run of characters (dots included), <c>?</c> any one
/// character, everything else itself. <c>esm.contact_head.*</c> and <c>*.position_ids</c> are the typical uses.
/// </summary>
internal static class KeyPattern
{
    /// <summary>Whether <paramref name="key"/> matches <paramref name="pattern"/> (case-sensitive, whole key).</summary>
    public static bool IsMatch(string pattern, string key)
    {
        // Iterative wildcard matching with one backtrack point: linear for the patterns we use, never exponential.
        int p = 0, k = 0, starP = -1, starK = 0;
        while (k < key.Length)
        {
            if (p < pattern.Length && (pattern[p] == '?' || pattern[p] == key[k]))
            {
                p++;
                k++;
            }
            else if (p < pattern.Length && pattern[p] == '*')
            {
                starP = p++;
                starK = k;
            }
            else if (starP >= 0)
            {
                p = starP + 1;
                k = ++starK;
            }
            else
            {
                return false;
            }
        }
        while (p < pattern.Length && pattern[p] == '*')
        {
            p++;
        }
        return p == pattern.Length;
    }

    /// <summary>Whether any of <paramref name="patterns"/> matches <paramref name="key"/>.</summary>
    public static bool MatchesAny(IEnumerable<string> patterns, string key)
    {
        foreach (string pattern in patterns)
        {
            if (IsMatch(pattern, key))
            {
                return true;
            }
        }
        return false;
    }
}
