namespace AgroNT.MLNet.Training.FineTuning;

/// <summary>LoRA settings: which Linear layers get a low-rank update and how large it is.</summary>
public sealed record LoraOptions
{
    /// <summary>The rank r of the update <c>B A</c> (<c>A</c> is r x in, <c>B</c> is out x r). Default 8.</summary>
    public int Rank { get; init; } = 8;

    /// <summary>The scale numerator: the update is multiplied by <c>Alpha / Rank</c>. Default 16.</summary>
    public double Alpha { get; init; } = 16;

    /// <summary>
    /// The Linear layers to adapt, matched against the encoder's module names (Hugging Face's: a target matches a
    /// module whose name equals it or ends with <c>.</c> + it). <c>query</c>, <c>key</c>, <c>value</c> and
    /// <c>dense</c> (every attention-output and feed-forward projection) are the usual choices; a full name such as
    /// <c>encoder.layer.3.attention.self.query</c> picks one layer. Default: query and value, as PEFT does for ESM.
    /// </summary>
    public IReadOnlyList<string> TargetModules { get; init; } = ["query", "value"];
}
