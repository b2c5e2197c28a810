namespace AgroNT.Transforms.Embeddings;

/// <summary>
/// Which strand of the DNA a model reads. A sequence names one strand, 5' to 3'; its reverse complement is the other
/// strand, also read 5' to 3'. AgroNT was pretrained on both strands of its genomes, so either reading is in domain.
/// </summary>
public enum Strand
{
    /// <summary>The sequence as given. The default.</summary>
    Forward = 0,

    /// <summary>
    /// The reverse complement of the sequence (<see cref="Tokenization.StrandText.ReverseComplement(ReadOnlySpan{char}, Tokenization.KmerTokenizerOptions, string?)"/>):
    /// exactly what the forward strand of the reverse complement gives. Token and per-nucleotide vectors stay in the
    /// reverse complement's order (its first vector belongs to the input's last base).
    /// </summary>
    Reverse = 1,

    /// <summary>
    /// The element-wise mean of <see cref="Forward"/> and <see cref="Reverse"/>, in forward coordinates: for
    /// <see cref="Pooling.PerNucleotide"/> the reverse strand's per-base vectors are flipped (its base <c>i</c> is the
    /// input's base <c>n - 1 - i</c>) before averaging. The result is the same for a sequence and its reverse complement
    /// (up to that flip for per-nucleotide vectors). <see cref="Pooling.Tokens"/> is refused: the 6-mers of the two
    /// strands start at different bases, so there is no token-to-token pairing to average.
    /// </summary>
    Both = 2,
}
