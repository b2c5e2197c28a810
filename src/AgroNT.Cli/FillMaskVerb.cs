using System.Text.Json;
using AgroNT.MLNet;
using AgroNT.MLNet.FillMask;

namespace AgroNT.Cli;

/// <summary><c>agront fill-mask</c>: the model card's widget, top-k tokens for each <c>&lt;mask&gt;</c>.</summary>
internal sealed class FillMaskVerb : IVerb
{
    public string Name => "fill-mask";

    public string Summary => "predict the tokens at each <mask> in a DNA (or, with an ESM-2 model, protein) text";

    public string Usage => "agront fill-mask [--model DIR] \"ACCTGA<mask>TTCTGAGTC\" [--top-k K] [--json] [--device cpu|cuda[:N]]";

    public IReadOnlyList<OptionSpec> Options { get; } =
    [
        CommonOptions.Model, CommonOptions.TokenizerMode, CommonOptions.AllowNonFiniteWeights, CommonOptions.Device,
        new("top-k", "k", true, "candidates per mask (default 5)"),
        new("json", null, false, "print one JSON array per <mask> of {token, token_id, score}, best first"),
    ];

    public int Run(ParsedArguments args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        if (args.Positional.Count != 1)
        {
            throw new UsageException($"give exactly one sequence text containing <mask>, e.g. agront fill-mask \"ACCTGA<mask>TTCTGAGTC\" (got {args.Positional.Count}).");
        }
        int topK = args.GetInt("top-k", 5, 1, 100_000);
        using var model = AgroNTModel.Load(CommonOptions.MaskedLanguageModelFolder(args, "fill-mask"), new AgroNTModelOptions { Device = CommonOptions.DeviceName(args), Tokenizer = CommonOptions.TokenizerOptions(args), AllowNonFiniteWeights = args.Has("allow-non-finite-weights") });
        var predictions = new MaskFiller(model).Predict(args.Positional[0], topK);
        if (args.Has("json"))
        {
            foreach (var mask in predictions)
            {
                stdout.WriteLine(JsonSerializer.Serialize(mask.Select(p => new Dictionary<string, object>
                {
                    ["token"] = p.Token,
                    ["token_id"] = p.TokenId,
                    ["score"] = p.Score,
                })));
            }
            return 0;
        }
        for (int m = 0; m < predictions.Count; m++)
        {
            stdout.WriteLine($"<mask> #{m + 1}:");
            foreach (var p in predictions[m])
            {
                stdout.WriteLine($"  {p.Token,-8} id {p.TokenId,5}  p = {p.Score:F6}");
            }
        }
        return 0;
    }
}
