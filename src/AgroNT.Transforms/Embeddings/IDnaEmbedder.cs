using AgroNT.Transforms.Tokenization;

namespace AgroNT.Transforms.Embeddings;

/// <summary>
/// Turns DNA into one vector per sequence (or per token, for <see cref="Pooling.Tokens"/> and
/// <see cref="Pooling.PerNucleotide"/>), with the settings of <see cref="DnaEmbeddingOptions"/>. Implemented by the
/// TorchSharp embedder (<c>AgroNTEmbedder</c>) and the ONNX Runtime one (<c>AgroNTOnnxEmbedder</c>); the command line,
/// the sharded and cluster workers and the benchmarks all embed through this contract, so one folder and one set of
/// options give the same numbers on every route. <c>DnaEmbedders.Open</c> (AgroNT.MLNet) picks the implementation
/// from a model folder. Thread-safe for concurrent <see cref="Embed(IReadOnlyList{string}, IReadOnlyList{string}, CancellationToken)"/> calls.
/// </summary>
public interface IDnaEmbedder : IDisposable
{
    /// <summary>The tokenizer, built from the model folder's vocabulary.</summary>
    SequenceTokenizer Tokenizer { get; }

    /// <summary>The hidden state pooled (Hugging Face numbering: 0 = embedding output).</summary>
    int Layer { get; }

    /// <summary>The model's hidden size: the length of a pooled vector (per token for token-level pooling).</summary>
    int HiddenSize { get; }

    /// <summary>Real (non-padding) tokens embedded so far.</summary>
    long RealTokens { get; }

    /// <summary>Tokens computed so far, padding included.</summary>
    long ComputedTokens { get; }

    /// <summary>Embeds sequences, in order, on the strand of <see cref="DnaEmbeddingOptions.Strand"/>.</summary>
    /// <param name="sequences">DNA text.</param>
    /// <param name="names">Record names parallel to <paramref name="sequences"/>, for error messages; null for positions.</param>
    /// <param name="cancellationToken">Checked between batches.</param>
    /// <returns>One vector per sequence.</returns>
    IReadOnlyList<float[]> Embed(IReadOnlyList<string> sequences, IReadOnlyList<string>? names = null, CancellationToken cancellationToken = default);

    /// <summary>Embeds already tokenized inputs (each starting with <c>&lt;cls&gt;</c> when the tokenizer adds it), in order,
    /// as given: <see cref="DnaEmbeddingOptions.Strand"/> does not apply to token ids.</summary>
    /// <param name="inputs">Token ids per input.</param>
    /// <param name="cancellationToken">Checked between batches.</param>
    /// <returns>One vector per input.</returns>
    IReadOnlyList<float[]> EmbedTokenIds(IReadOnlyList<int[]> inputs, CancellationToken cancellationToken = default);
}
