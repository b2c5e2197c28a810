namespace AgroNT.MLNet.Training;

/// <summary>
/// One evaluation of the masked-language-model objective on the held-out windows (the same masks every time).
/// Accuracy is reported twice: over all selected tokens (the usual MLM figure, which includes the 10% left unchanged,
/// whose answer is visible in the input) and over the tokens replaced by <c>&lt;mask&gt;</c> only (the answer hidden),
/// each next to the accuracy of always predicting the most frequent token.
/// </summary>
/// <param name="Loss">Mean cross-entropy (nats) over the selected tokens.</param>
/// <param name="Accuracy">Share of selected tokens whose most likely prediction is the original token.</param>
/// <param name="BaselineAccuracy">
/// Share of selected tokens equal to <paramref name="BaselineToken"/>, the most frequent original token among them: the
/// best any constant guess can do there (beating it means the model uses context, not just token frequencies).
/// </param>
/// <param name="MaskAccuracy">Accuracy over the selected tokens that were replaced by <c>&lt;mask&gt;</c>.</param>
/// <param name="MaskBaselineAccuracy">Share of those equal to <paramref name="BaselineToken"/>.</param>
/// <param name="BaselineToken">The most frequent original token among the selected tokens.</param>
/// <param name="SelectedTokens">Number of selected (scored) tokens.</param>
/// <param name="MaskTokens">Number of them replaced by <c>&lt;mask&gt;</c>.</param>
/// <param name="Windows">Number of validation windows.</param>
/// <param name="BaselineLoss">
/// Cross-entropy (nats) on the same selected tokens of a model that ignores context and predicts the training token
/// frequencies (add-one smoothed over the ordinary tokens, counted on up to
/// <see cref="PretrainingDefaults.FrequencyBaselineTokens"/> training tokens): the loss to beat.
/// </param>
public sealed record ValidationMetrics(
    double Loss,
    double Accuracy,
    double BaselineAccuracy,
    double MaskAccuracy,
    double MaskBaselineAccuracy,
    string BaselineToken,
    long SelectedTokens,
    long MaskTokens,
    int Windows,
    double BaselineLoss)
{
    /// <summary><c>exp(Loss)</c>.</summary>
    public double Perplexity => Math.Exp(Loss);
}
