using AgroNT.MLNet.Modeling;
using AgroNT.Transforms.Tokenization;
using TorchSharp;
using static TorchSharp.torch;

namespace AgroNT.MLNet.FillMask;

/// <summary>One candidate for a <c>&lt;mask&gt;</c> position.</summary>
/// <param name="Token">The token's text (a 6-mer or a single letter).</param>
/// <param name="TokenId">Its vocabulary id.</param>
/// <param name="Score">Softmax probability over the whole vocabulary.</param>
public sealed record FillMaskPrediction(string Token, int TokenId, double Score);

/// <summary>
/// The model card's fill-mask widget: predicts the tokens at each literal <c>&lt;mask&gt;</c> in a DNA text. The text
/// around each <c>&lt;mask&gt;</c> is tokenized on its own with the model's tokenizer mode, which is exactly how
/// Hugging Face's tokenizer treats special tokens (the 6-mer grid restarts after one).
/// </summary>
public sealed class MaskFiller
{
    /// <summary>The literal marker looked for in the text.</summary>
    public const string MaskMarker = "<mask>";

    private readonly AgroNTModel _model;

    /// <summary>Creates a filler over a loaded model.</summary>
    public MaskFiller(AgroNTModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        _model = model;
    }

    /// <summary>Token ids of <paramref name="text"/> with <c>&lt;cls&gt;</c> first, the mask id at each marker, and <c>&lt;eos&gt;</c> last when the tokenizer appends it (ESM-2).</summary>
    /// <exception cref="ArgumentException">The text has no <c>&lt;mask&gt;</c>, or is longer than the model's window.</exception>
    public int[] Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var tokenizer = _model.Tokenizer;
        var vocabulary = tokenizer.Vocabulary;
        string[] pieces = text.Split(MaskMarker);
        if (pieces.Length == 1)
        {
            throw new ArgumentException($"The text has no {MaskMarker}; put {MaskMarker} where a token should be predicted, e.g. ACCTGA{MaskMarker}TTCTGAGTC.", nameof(text));
        }
        var ids = new List<int>();
        if (tokenizer.Options.AddClsToken)
        {
            ids.Add(vocabulary.ClsId);
        }
        for (int p = 0; p < pieces.Length; p++)
        {
            if (p > 0)
            {
                ids.Add(vocabulary.MaskId);
            }
            var buffer = new int[Math.Max(pieces[p].Length, 1)];
            int count = tokenizer.TokenizeToIds(pieces[p], buffer, "fill-mask input");
            ids.AddRange(buffer.AsSpan(0, count).ToArray());
        }
        if (tokenizer.AppendsEos)
        {
            ids.Add(vocabulary.EosId!.Value);
        }
        if (ids.Count > tokenizer.MaxTokens)
        {
            throw new ArgumentException($"The text has {ids.Count} tokens, more than the model's window of {tokenizer.MaxTokens}; shorten it around the {MaskMarker}.", nameof(text));
        }
        return ids.ToArray();
    }

    /// <summary>The <paramref name="topK"/> best tokens for each <c>&lt;mask&gt;</c>, in text order, best first.</summary>
    public IReadOnlyList<IReadOnlyList<FillMaskPrediction>> Predict(string text, int topK = 5)
    {
        if (topK <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(topK), topK, "top-k must be positive.");
        }
        int[] ids = Encode(text);
        int maskId = _model.Tokenizer.Vocabulary.MaskId;
        var positions = Enumerable.Range(0, ids.Length).Where(i => ids[i] == maskId).ToArray();
        int k = Math.Min(topK, _model.Config.VocabSize);
        var results = new List<IReadOnlyList<FillMaskPrediction>>(positions.Length);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var (input, attention) = TokenBatch.Pad([ids], _model.Config.PadTokenId).ToTensors(_model.Device);
        var logits = _model.Network.Forward(input, attention).Logits;
        foreach (int position in positions)
        {
            var probabilities = logits[0, position].to(ScalarType.Float32).softmax(0);
            var (values, indices) = probabilities.topk(k);
            var scores = values.cpu().data<float>().ToArray();
            var tokens = indices.cpu().data<long>().ToArray();
            results.Add(tokens.Select((id, i) => new FillMaskPrediction(_model.Tokenizer.Vocabulary.Tokens[(int)id], (int)id, scores[i])).ToArray());
        }
        return results;
    }
}
