using AgroNT.MLNet;
using AgroNT.MLNet.Modeling;
using AgroNT.Transforms.Tokenization;

namespace AgroNT.Cli;

/// <summary><c>agront create-model</c>: a new AgroNT-architecture model folder with seeded random weights.</summary>
internal sealed class CreateModelVerb : IVerb
{
    public string Name => "create-model";

    public string Summary => "write a new AgroNT-architecture model folder with seeded random weights";

    public string Usage => "agront create-model -o DIR [--config config.json] [--hidden H --layers L --heads A --intermediate I] [--seed S]";

    public IReadOnlyList<OptionSpec> Options { get; } =
    [
        CommonOptions.Output,
        new("config", null, true, "an ESM config.json to copy the architecture from (default: AgroNT-1B's)"),
        new("hidden", null, true, "hidden size"),
        new("layers", null, true, "number of layers"),
        new("heads", null, true, "attention heads"),
        new("intermediate", null, true, "feed-forward width"),
        new("seed", null, true, "random seed (default 42)"),
    ];

    public int Run(ParsedArguments args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        string output = args.Require("output");
        CommonOptions.CheckOutputs(CommonOptions.Paths(args, "config"), CommonOptions.Paths(args, "output"));
        var config = args.Get("config") is { } path ? EsmConfig.FromFile(path) : EsmConfig.AgroNT1B;
        config = config with
        {
            HiddenSize = args.GetInt("hidden", config.HiddenSize, 1),
            NumHiddenLayers = args.GetInt("layers", config.NumHiddenLayers, 1),
            NumAttentionHeads = args.GetInt("heads", config.NumAttentionHeads, 1),
            IntermediateSize = args.GetInt("intermediate", config.IntermediateSize, 1),
        };
        config.Validate("the requested architecture");
        var vocabulary = KmerVocabulary.FromTokens(AgroNTVocabulary.Tokens());
        using var model = AgroNTModel.CreateRandom(config, vocabulary, args.GetInt("seed", 42));
        model.Save(output);
        stdout.WriteLine($"wrote {output}: {config.NumHiddenLayers} layers, hidden {config.HiddenSize}, random weights (seed {args.GetInt("seed", 42)}).");
        return 0;
    }
}
