namespace AgroNT.Transforms.Embeddings;

/// <summary>How per-token hidden states become one vector per sequence.</summary>
public enum Pooling
{
    /// <summary>Average over the real sequence tokens, excluding <c>&lt;cls&gt;</c> and padding (the AgroNT notebook's rule). The default.</summary>
    Mean,

    /// <summary>The hidden state at position 0 (<c>&lt;cls&gt;</c>).</summary>
    Cls,

    /// <summary>Every real sequence token's vector (excluding <c>&lt;cls&gt;</c>), concatenated: length = tokens x hidden.</summary>
    Tokens,

    /// <summary>Each token's vector repeated once per base it covers (6 for a 6-mer, 1 for a single letter): length = bases x hidden.</summary>
    PerNucleotide,
}

/// <summary>How the embeddings of the windows of one long sequence are combined (tokenizer length policy <c>Windows</c>).</summary>
public enum WindowAggregation
{
    /// <summary>Mean of the window vectors weighted by each window's number of real sequence tokens.</summary>
    TokenWeightedMean,

    /// <summary>Unweighted mean of the window vectors.</summary>
    Mean,
}
