namespace AgroNT.MLNet.Training;

/// <summary>One evaluation of the masked-language-model objective on the held-out windows (same masks every time).</summary>
/// <param name="Loss">Mean cross-entropy (nats) over the selected tokens.</param>
/// <param name="Accuracy">Share of selected tokens whose most likely prediction is the original token.</param>
/// <param name="BaselineAccuracy">
/// Accuracy of always predicting the most frequent original token among the held-out selected tokens: the best any
/// constant guess can do there (so beating it means the model uses context, not just token frequencies).
/// </param>
/// <param name="BaselineToken">That most frequent token.</param>
/// <param name="SelectedTokens">Number of selected (scored) tokens.</param>
/// <param name="Windows">Number of validation windows.</param>
public sealed record ValidationMetrics(double Loss, double Accuracy, double BaselineAccuracy, string BaselineToken, long SelectedTokens, int Windows)
{
    /// <summary><c>exp(Loss)</c>.</summary>
    public double Perplexity => Math.Exp(Loss);
}
