using AgroNT.MLNet.Native;
using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace AgroNT.MLNet.Modeling;

/// <summary>
/// The masked-language-model head (<c>lm_head.*</c>): dense, GELU, LayerNorm, then the decoder plus bias. The decoder
/// is its own <c>lm_head.decoder.weight</c> (AgroNT) or, with <see cref="EsmConfig.TieWordEmbeddings"/> (ESM-2), the
/// word-embedding matrix itself, so the head then has no decoder parameter of its own.
/// </summary>
internal sealed class EsmLMHead : nn.Module<Tensor, Tensor>
{
    [ComponentName(Name = "dense")]
    private readonly Linear _dense;

    [ComponentName(Name = "layer_norm")]
    private readonly LayerNorm _layerNorm;

    [ComponentName(Name = "decoder")]
    private readonly Linear? _decoder;

    // A delegate, not a Parameter field: RegisterComponents would register a field as a second parameter, and
    // Module.to() replaces the embedding's tensor, so the current one is read on every use.
    private readonly Func<Tensor>? _tiedDecoderWeight;

    [ComponentName(Name = "bias")]
    private readonly Parameter _bias;

    /// <summary>Creates the head for <paramref name="config"/> with an untied decoder.</summary>
    public EsmLMHead(EsmConfig config, Device? device = null, ScalarType? dtype = null) : this(config, tiedDecoderWeight: null, device, dtype)
    {
    }

    /// <summary>Creates the head; <paramref name="tiedDecoderWeight"/> (reads the word embeddings <c>[V, H]</c>) replaces the decoder's own weight.</summary>
    public EsmLMHead(EsmConfig config, Func<Tensor>? tiedDecoderWeight, Device? device = null, ScalarType? dtype = null) : base("lm_head")
    {
        _dense = ParameterInitialisation.Linear(config.HiddenSize, config.HiddenSize, device: device, dtype: dtype);
        _layerNorm = nn.LayerNorm(config.HiddenSize, config.LayerNormEps, device: device, dtype: dtype);
        _tiedDecoderWeight = tiedDecoderWeight;
        _decoder = tiedDecoderWeight is null ? ParameterInitialisation.Linear(config.HiddenSize, config.VocabSize, hasBias: false, device: device, dtype: dtype) : null;
        _bias = new Parameter(zeros(config.VocabSize, dtype: dtype ?? ScalarType.Float32, device: device));
        RegisterComponents();
    }

    /// <summary>Maps hidden states <c>[..., H]</c> to vocabulary logits <c>[..., V]</c>.</summary>
    public override Tensor forward(Tensor hidden)
    {
        using var scope = NewDisposeScope();
        var x = _layerNorm.forward(nn.functional.gelu(_dense.forward(hidden)));
        var decoded = _decoder is not null ? _decoder.forward(x) : nn.functional.linear(x, _tiedDecoderWeight!());
        return decoded.add(_bias, TorchScalars.One).MoveToOuterDisposeScope();
    }

    /// <summary>Whether the decoder is the word-embedding matrix.</summary>
    public bool IsTied => _decoder is null;
}

/// <summary>Outputs of <see cref="EsmForMaskedLM.Forward"/>.</summary>
/// <param name="Logits">Vocabulary logits <c>[B, T, V]</c>.</param>
/// <param name="LastHiddenState">Final hidden state <c>[B, T, H]</c> (after the final LayerNorm).</param>
/// <param name="HiddenStates">Hidden states 0..N when requested, otherwise empty.</param>
public sealed record MaskedLMOutput(Tensor Logits, Tensor LastHiddenState, IReadOnlyList<Tensor> HiddenStates);

/// <summary>
/// AgroNT (and ESM-2) as Hugging Face's <c>EsmForMaskedLM</c>: parameter names are exactly the checkpoint's state-dict
/// keys (<c>esm.embeddings.word_embeddings.weight</c>, ..., <c>lm_head.decoder.weight</c>, <c>lm_head.bias</c>). A tied
/// model has no <c>lm_head.decoder.weight</c> of its own (see <see cref="TiedDecoderKey"/>).
/// </summary>
public sealed class EsmForMaskedLM : nn.Module
{
    [ComponentName(Name = "esm")]
    private readonly EsmModel _esm;

    [ComponentName(Name = "lm_head")]
    private readonly EsmLMHead _lmHead;

    /// <summary>Creates the model with freshly initialised weights on <paramref name="device"/> (use <c>meta</c> to build shapes only).</summary>
    /// <exception cref="InsufficientMemoryException">On the CPU: the weights alone need more memory than this process can have.</exception>
    public EsmForMaskedLM(EsmConfig config, Device? device = null, ScalarType? dtype = null) : base("EsmForMaskedLM")
    {
        AgroNTModelInfo.EnsureWeightsFit(config, dtype, device);
        _esm = new EsmModel(config, device, dtype);
        _lmHead = new EsmLMHead(config, config.TieWordEmbeddings ? () => _esm.Embeddings.WordEmbeddingWeight : null, device, dtype);
        RegisterComponents();
    }

    /// <summary>
    /// The decoder's key in a checkpoint. A tied model's checkpoints either omit it (safetensors) or hold the word
    /// embeddings under it too (pytorch_model.bin); transformers then uses the word embeddings, and so do we.
    /// </summary>
    public const string TiedDecoderKey = "lm_head.decoder.weight";

    /// <summary>The architecture.</summary>
    public EsmConfig Config => _esm.Config;

    /// <summary>The encoder.</summary>
    public EsmModel Esm => _esm;

    /// <summary>The masked-language-model head.</summary>
    internal EsmLMHead LMHead => _lmHead;

    /// <summary>Runs encoder and head on int64 <paramref name="inputIds"/> <c>[B, T]</c> with an optional 0/1 mask.</summary>
    public MaskedLMOutput Forward(Tensor inputIds, Tensor? attentionMask = null, bool outputHiddenStates = false)
    {
        var encoded = _esm.Forward(inputIds, attentionMask, outputHiddenStates);
        return new MaskedLMOutput(_lmHead.forward(encoded.LastHiddenState), encoded.LastHiddenState, encoded.HiddenStates);
    }
}
