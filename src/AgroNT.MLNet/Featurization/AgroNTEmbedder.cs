using AgroNT.MLNet.Modeling;
using AgroNT.Transforms.Embeddings;
using AgroNT.Transforms.Tokenization;
using TorchSharp;
using static TorchSharp.torch;

namespace AgroNT.MLNet.Featurization;

/// <summary>
/// Turns DNA (or, with an ESM-2 protein model, protein) into embeddings: tokenizes (with the model's length policy), groups inputs of similar length into
/// batches so little padding is computed, runs the encoder only up to the requested layer, and pools each sequence's
/// real positions. A sequence's embedding does not depend on what else is in its batch (padding is masked out).
/// Calls are serialised on the model: one forward pass at a time, each using libtorch's intra-op threads.
/// Disposing it disposes the model only when the embedder owns it (<see cref="DnaEmbedders.Open"/>); a model passed to
/// the constructor stays the caller's.
/// </summary>
public sealed class AgroNTEmbedder : IDnaEmbedder
{
    private readonly AgroNTModel _model;
    private readonly bool _ownsModel;
    private readonly int _layer;
    private readonly int[] _basesPerId;
    private readonly bool _hasCls;
    private readonly int? _eosId;
    private readonly object _gate = new();
    private long _realTokens;
    private long _computedTokens;

    /// <summary>Creates an embedder over a loaded model, which stays the caller's to dispose.</summary>
    /// <param name="model">The model.</param>
    /// <param name="options">What to compute; the defaults of <see cref="DnaEmbeddingOptions"/> when null.</param>
    /// <exception cref="ArgumentOutOfRangeException">The layer is outside 0..N or the batch sizes are not positive.</exception>
    public AgroNTEmbedder(AgroNTModel model, AgroNTEmbeddingOptions? options = null)
        : this(model, options, ownsModel: false)
    {
    }

    internal AgroNTEmbedder(AgroNTModel model, AgroNTEmbeddingOptions? options, bool ownsModel)
    {
        ArgumentNullException.ThrowIfNull(model);
        _model = model;
        _ownsModel = ownsModel;
        Options = options ?? new AgroNTEmbeddingOptions();
        Options.Validate();
        int depth = model.Config.NumHiddenLayers;
        _layer = Options.Layer ?? depth;
        if (_layer < 0 || _layer > depth)
        {
            throw new ArgumentOutOfRangeException(nameof(options), Options.Layer, $"Layer must be between 0 (embedding output) and {depth} (the last layer); this model has {depth} layers.");
        }
        _hasCls = model.Tokenizer.Options.AddClsToken;
        _eosId = model.Tokenizer.AppendsEos ? model.Tokenizer.Vocabulary.EosId : null;
        _basesPerId = ModelInputs.BasesPerId(model.Tokenizer.Vocabulary);
    }

    /// <summary>The options in force.</summary>
    public AgroNTEmbeddingOptions Options { get; }

    /// <summary>The layer actually pooled (Hugging Face numbering).</summary>
    public int Layer => _layer;

    /// <summary>Hidden size: the length of <see cref="Pooling.Mean"/> and <see cref="Pooling.Cls"/> vectors.</summary>
    public int HiddenSize => _model.Config.HiddenSize;

    /// <summary>The model's tokenizer.</summary>
    public SequenceTokenizer Tokenizer => _model.Tokenizer;

    /// <summary>The model embedded with.</summary>
    public AgroNTModel Model => _model;

    /// <summary>Disposes the model when this embedder owns it (made by <see cref="DnaEmbedders.Open"/>); otherwise nothing.</summary>
    public void Dispose()
    {
        if (_ownsModel)
        {
            _model.Dispose();
        }
    }

    /// <summary>Tokens of real input embedded so far (all calls).</summary>
    public long RealTokens => Interlocked.Read(ref _realTokens);

    /// <summary>Token positions computed so far, padding included; <c>1 - RealTokens / ComputedTokens</c> is the padding waste.</summary>
    public long ComputedTokens => Interlocked.Read(ref _computedTokens);

    /// <summary>Embeds one sequence.</summary>
    public float[] Embed(string sequence, string? name = null) => Embed([sequence], name is null ? null : [name])[0];

    /// <summary>Embeds sequences, in order. Long inputs follow the tokenizer's length policy (error, truncate or windows).</summary>
    /// <param name="sequences">DNA text.</param>
    /// <param name="names">Record names for error messages, parallel to <paramref name="sequences"/>.</param>
    /// <param name="cancellationToken">Checked between batches.</param>
    /// <remarks>The strand read is <see cref="DnaEmbeddingOptions.Strand"/>.</remarks>
    public IReadOnlyList<float[]> Embed(IReadOnlyList<string> sequences, IReadOnlyList<string>? names = null, CancellationToken cancellationToken = default) =>
        StrandEmbedding.Embed(Options.Strand, Options.Pooling, HiddenSize, _model.Tokenizer.Options, sequences, names, (texts, textNames) =>
        {
            var inputs = ModelInputs.Tokenize(_model.Tokenizer, texts, textNames);
            return inputs.Combine(EmbedTokenIds(inputs.Inputs, cancellationToken), Options.Pooling, Options.WindowAggregation);
        });

    /// <summary>
    /// Embeds already tokenized model inputs (each starting with <c>&lt;cls&gt;</c> when the tokenizer adds it, at most the
    /// model's window). Inputs are sorted by length and packed end to end into batches of at most
    /// <see cref="DnaEmbeddingOptions.BatchSize"/> inputs and <see cref="DnaEmbeddingOptions.MaxBatchTokens"/> tokens
    /// (<see cref="EsmModel.ForwardPacked"/>): no padding is computed, so <see cref="DnaEmbeddingOptions.MaxPaddingFraction"/>
    /// does not apply here. Results come back in input order.
    /// </summary>
    public IReadOnlyList<float[]> EmbedTokenIds(IReadOnlyList<int[]> inputs, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        var results = new float[inputs.Count][];
        var lengths = inputs.Select(ids => ids.Length).ToArray();
        var progress = new EmbeddingProgressCounter(Options.Progress, lengths);
        foreach (int[] batch in LengthBuckets.PlanPacked(lengths, Options.BatchSize, Options.MaxBatchTokens))
        {
            cancellationToken.ThrowIfCancellationRequested();
            RunBatch(inputs, batch, results);
            progress.Done(batch);
        }
        return results;
    }

    private void RunBatch(IReadOnlyList<int[]> inputs, int[] batch, float[][] results)
    {
        var rows = batch.Select(i => inputs[i]).ToArray();
        long tokens = rows.Sum(row => (long)row.Length);
        Interlocked.Add(ref _computedTokens, tokens);
        Interlocked.Add(ref _realTokens, tokens);

        // An empty input (no <cls>, no bases) contributes no rows to the pack and pools to what no tokens pool to.
        var nonEmpty = rows.Where(row => row.Length > 0).ToArray();
        float[] hidden = [];
        if (nonEmpty.Length > 0)
        {
            lock (_gate)
            {
                using var scope = NewDisposeScope();
                using var noGrad = no_grad();
                var output = _model.Network.Esm.ForwardPacked(nonEmpty, _layer);
                hidden = output.to(ScalarType.Float32, CPU).contiguous().data<float>().ToArray();
            }
        }

        EmbeddingPooler.PoolPackedRows(inputs, batch, hidden, _model.Config.HiddenSize, Options.Pooling, _hasCls, _basesPerId, results, _eosId);
    }
}
