namespace AgroNT.Transforms.Embeddings;

/// <summary>
/// How far one <see cref="IDnaEmbedder.Embed"/> (or <see cref="IDnaEmbedder.EmbedTokenIds"/>) call has got, reported
/// through <see cref="DnaEmbeddingOptions.Progress"/> after each forward pass. A long sequence embedded as windows
/// (tokenizer length policy <c>Windows</c>) takes several passes, so the report moves inside one record.
/// </summary>
/// <param name="InputsDone">Model inputs (sequences or windows, both strands counted) embedded so far in this call.</param>
/// <param name="InputCount">Model inputs of this call.</param>
/// <param name="TokensDone">Tokens (special tokens included, padding not) embedded so far in this call.</param>
/// <param name="TokenCount">Tokens of this call, counted the same way; <c>TokensDone / TokenCount</c> is the share done.</param>
public readonly record struct DnaEmbeddingProgress(int InputsDone, int InputCount, long TokensDone, long TokenCount);
