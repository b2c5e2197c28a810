using AgroNT.Transforms.Embeddings;

namespace AgroNT.MLNet.Featurization;

/// <summary>
/// What the TorchSharp embedder (<see cref="AgroNTEmbedder"/>) computes and how it batches: the shared
/// <see cref="DnaEmbeddingOptions"/>. Device, precision and tokenizer settings belong to the model
/// (<see cref="AgroNTModelOptions"/>).
/// </summary>
public sealed record AgroNTEmbeddingOptions : DnaEmbeddingOptions;
