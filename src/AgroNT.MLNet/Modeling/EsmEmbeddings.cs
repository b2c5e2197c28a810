using AgroNT.MLNet.Native;
using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace AgroNT.MLNet.Modeling;

/// <summary>
/// Word embeddings, plus absolute position embeddings (<c>esm.embeddings.*</c>) unless the model is rotary. Position
/// ids come from the token ids, not the attention mask: real tokens count up from <c>pad_token_id + 1</c> and pads get
/// <c>pad_token_id</c>. A rotary model (ESM-2) keeps the position table because its checkpoints carry it, but adds
/// nothing from it.
/// </summary>
internal sealed class EsmEmbeddings : nn.Module<Tensor, Tensor, Tensor>
{
    [ComponentName(Name = "word_embeddings")]
    private readonly Embedding _wordEmbeddings;

    [ComponentName(Name = "position_embeddings")]
    private readonly Embedding _positionEmbeddings;

    [ComponentName(Name = "layer_norm")]
    private readonly LayerNorm? _layerNorm;

    private readonly EsmConfig _config;

    /// <summary>Creates the embedding tables for <paramref name="config"/> on <paramref name="device"/>.</summary>
    public EsmEmbeddings(EsmConfig config, Device? device = null, ScalarType? dtype = null) : base("embeddings")
    {
        _config = config;
        _wordEmbeddings = nn.Embedding(config.VocabSize, config.HiddenSize, padding_idx: config.PadTokenId, device: device, dtype: dtype);
        _positionEmbeddings = nn.Embedding(config.MaxPositionEmbeddings, config.HiddenSize, padding_idx: config.PadTokenId, device: device, dtype: dtype);
        _layerNorm = config.EmbLayerNormBefore ? nn.LayerNorm(config.HiddenSize, config.LayerNormEps, device: device, dtype: dtype) : null;
        RegisterComponents();
    }

    /// <summary>The word embedding matrix <c>[vocab, hidden]</c>, which a tied LM head also decodes with.</summary>
    public Parameter WordEmbeddingWeight => _wordEmbeddings.weight!;

    /// <summary>Embeds <paramref name="inputIds"/> <c>[batch, tokens]</c>; <paramref name="attentionMask"/> (same shape, 1 = real) zeroes padded rows.</summary>
    public override Tensor forward(Tensor inputIds, Tensor attentionMask)
    {
        Tensor? denominator = null;
        if (_config.TokenDropout)
        {
            // The masked fraction counts <mask> ids over each row's attended positions.
            denominator = TokenDropoutDenominator(inputIds.eq(_config.MaskTokenId).sum(-1), attentionMask.sum(-1)).view(-1, 1, 1);
        }
        Tensor? positions = null;
        if (!_config.IsRotary)
        {
            // ESM position ids start at pad_token_id + 1 and pads keep pad_token_id (HF create_position_ids_from_input_ids).
            var notPad = inputIds.ne(_config.PadTokenId).to(ScalarType.Int64);
            positions = notPad.cumsum(1).mul(notPad).add(TorchScalars.Integer(_config.PadTokenId), TorchScalars.One);
        }
        var embeddings = Embed(inputIds, positions, denominator);
        return embeddings.mul(attentionMask.unsqueeze(-1).to(embeddings.dtype));
    }

    /// <summary>
    /// Embeds sequences packed end to end (<see cref="AttentionLayout.Packed"/>): <paramref name="inputIds"/> <c>[N]</c>,
    /// with the position ids and the token-dropout denominators <c>[N, 1]</c> the padded <see cref="forward"/> would
    /// compute for each token's own sequence (<see cref="EsmModel.ForwardPacked"/> builds them). Returns <c>[N, H]</c>.
    /// </summary>
    public Tensor ForwardPacked(Tensor inputIds, Tensor? positions, Tensor? tokenDropoutDenominator) =>
        Embed(inputIds, _config.IsRotary ? null : positions, _config.TokenDropout ? tokenDropoutDenominator : null);

    /// <summary>
    /// Token dropout's <c>1 - n_mask / n_attended</c> per sequence, from integer counts: <c>n_mask</c> as float32 divided
    /// by <c>n_attended</c>, as Hugging Face computes it. The padded and the packed pass both take it from here.
    /// </summary>
    internal static Tensor TokenDropoutDenominator(Tensor maskCounts, Tensor attendedCounts) =>
        maskCounts.to(ScalarType.Float32).div(attendedCounts).neg().add(TorchScalars.Real(1.0), TorchScalars.One);

    /// <summary>Word embeddings, token dropout's scaling, absolute positions and the optional LayerNorm, in Hugging Face's order.</summary>
    private Tensor Embed(Tensor inputIds, Tensor? positions, Tensor? tokenDropoutDenominator)
    {
        var embeddings = _wordEmbeddings.forward(inputIds);
        if (tokenDropoutDenominator is not null)
        {
            embeddings = ScaleForTokenDropout(embeddings, inputIds, tokenDropoutDenominator);
        }
        if (positions is not null)
        {
            embeddings = embeddings.add(_positionEmbeddings.forward(positions), TorchScalars.One);
        }
        if (_layerNorm is not null)
        {
            embeddings = _layerNorm.forward(embeddings);
        }
        return embeddings;
    }

    /// <summary>
    /// ESM's token dropout as Hugging Face applies it in training and inference alike: <c>&lt;mask&gt;</c> rows are
    /// zeroed, then every row is scaled by <c>(1 - 0.15 * 0.8) / (1 - masked fraction)</c>, the masked fraction
    /// counting <c>&lt;mask&gt;</c> ids over the row's attended positions (<c>&lt;cls&gt;</c> and <c>&lt;eos&gt;</c>
    /// included, padding not), given as <paramref name="denominator"/> <c>1 - n_mask / n_attended</c> broadcast over the rows.
    /// The float order is HF's: <c>(E * 0.88f) / (1f - n_mask / n_attended)</c>.
    /// </summary>
    private Tensor ScaleForTokenDropout(Tensor embeddings, Tensor inputIds, Tensor denominator)
    {
        // Pretraining masked 15% of tokens and replaced 80% of those by <mask>.
        const double maskRatioTrain = 0.15 * 0.8;
        var zeroed = embeddings.masked_fill(inputIds.eq(_config.MaskTokenId).unsqueeze(-1), TorchScalars.Real(0.0));
        return zeroed.mul(TorchScalars.Real(1 - maskRatioTrain)).div(denominator).to(embeddings.dtype);
    }
}
