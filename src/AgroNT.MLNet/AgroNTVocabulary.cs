namespace AgroNT.MLNet;

/// <summary>
/// The token list of a new AgroNT-style model: <c>&lt;unk&gt; &lt;pad&gt; &lt;mask&gt; &lt;cls&gt;</c>, every k-mer over
/// A, T, C, G in lexicographic order of that alphabet, then the single letters A T C G N. This is the layout of AgroNT's
/// published vocab.txt (InstaDeep's tokenizer); it is used only to create new models. Existing models always load the
/// vocab.txt of their folder.
/// </summary>
public static class AgroNTVocabulary
{
    private const string Alphabet = "ATCG";

    /// <summary>The tokens in id order (4105 for k = 6).</summary>
    public static IReadOnlyList<string> Tokens(int k = 6)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(k, 10);
        var tokens = new List<string>(4 + (1 << (2 * k)) + 5) { "<unk>", "<pad>", "<mask>", "<cls>" };
        var buffer = new char[k];
        for (int code = 0; code < 1 << (2 * k); code++)
        {
            // The first letter varies slowest, as itertools.product does.
            for (int i = 0; i < k; i++)
            {
                buffer[i] = Alphabet[(code >> (2 * (k - 1 - i))) & 3];
            }
            tokens.Add(new string(buffer));
        }
        tokens.AddRange(["A", "T", "C", "G", "N"]);
        return tokens;
    }
}
