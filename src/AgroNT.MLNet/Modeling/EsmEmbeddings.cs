using AgroNT.MLNet.Native;
using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace AgroNT.MLNet.Modeling;

/// <summary>
/// Word plus absolute position embeddings (<c>esm.embeddings.*</c>). Position ids come from the token ids, not the
/// attention mask: real tokens count up from <c>pad_token_id + 1</c> and pads get <c>pad_token_id</c>.
/// </summary>
public sealed class EsmEmbeddings : nn.Module<Tensor, Tensor, Tensor>
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

    /// <summary>Embeds <paramref name="inputIds"/> <c>[batch, tokens]</c>; <paramref name="attentionMask"/> (same shape, 1 = real) zeroes padded rows.</summary>
    public override Tensor forward(Tensor inputIds, Tensor attentionMask)
    {
        // ESM position ids start at pad_token_id + 1 and pads keep pad_token_id (HF create_position_ids_from_input_ids).
        var notPad = inputIds.ne(_config.PadTokenId).to(ScalarType.Int64);
        var positions = notPad.cumsum(1).mul(notPad).add(TorchScalars.Integer(_config.PadTokenId), TorchScalars.One);

        var embeddings = _wordEmbeddings.forward(inputIds);
        if (_config.TokenDropout)
        {
            // ESM-1b token dropout at inference: <mask> rows are zeroed, the rest rescaled for the observed mask ratio.
            const double maskRatioTrain = 0.15 * 0.8;
            var isMask = inputIds.eq(_config.MaskTokenId);
            embeddings = embeddings.masked_fill(isMask.unsqueeze(-1), TorchScalars.Real(0.0));
            var observed = isMask.sum(-1).to(ScalarType.Float32).div(attentionMask.sum(-1).to(ScalarType.Float32));
            embeddings = embeddings.mul(observed.neg().add(TorchScalars.Real(1.0), TorchScalars.One).reciprocal().mul(TorchScalars.Real(1 - maskRatioTrain)).view(-1, 1, 1).to(embeddings.dtype));
        }
        embeddings = embeddings.add(_positionEmbeddings.forward(positions), TorchScalars.One);
        if (_layerNorm is not null)
        {
            embeddings = _layerNorm.forward(embeddings);
        }
        embeddings = embeddings.mul(attentionMask.unsqueeze(-1).to(embeddings.dtype));
        return embeddings;
    }
}
