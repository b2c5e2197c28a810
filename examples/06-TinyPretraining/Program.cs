// Pretrains a tiny AgroNT-architecture model from scratch for a few updates on real DNA with the library API
// (AgroNT's masked-language-model recipe: 6,200 bp windows, 15% masking, AdamW), reloads the saved Hugging Face
// folder and embeds a sequence with it.
// Usage: dotnet run --project examples/06-TinyPretraining -- GENOME.fa OUT_DIR [STEPS]
using System.Globalization;
using AgroNT.MLNet;
using AgroNT.MLNet.Featurization;
using AgroNT.MLNet.Modeling;
using AgroNT.MLNet.Training;
using AgroNT.MLNet.Training.Data;
using AgroNT.Transforms.ModelFolders;
using AgroNT.Transforms.Sequences;

if (args.Length < 2)
{
    Console.Error.WriteLine("usage: 06-TinyPretraining GENOME.fa OUT_DIR [STEPS]");
    return 2;
}
string genome = args[0], outFolder = args[1];
int steps = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 10;

// AgroNT-1B's vocabulary, positions and layout, shrunk to 2 layers of width 64.
var config = EsmConfig.AgroNT1B with { HiddenSize = 64, NumHiddenLayers = 2, NumAttentionHeads = 4, IntermediateSize = 256 };
var options = new PretrainingOptions
{
    OutputFolder = outFolder,
    Config = config,
    MaxSteps = steps,
    PeakLearningRate = 1e-3,
    WarmupSteps = 3,
    // About two full 1024-token windows per update; the paper's recipe uses 1M tokens.
    BatchTokens = 2048,
    MicroBatchSize = 2,
    ValidationInterval = 5,
    ValidationWindows = 2,
    LogInterval = 5,
    CheckpointInterval = 0,
};
// 5% of the genome, in 100 kb regions, is held out for validation and never trained on.
var corpus = PretrainingCorpus.FromGenomes([genome], ValidationSplit.ByRegion(0.05));
var progress = new Progress<PretrainingProgress>(p =>
{
    if (p.Event == PretrainingEvent.Step && p.Step % 2 == 0)
    {
        Console.Error.WriteLine($"  update {p.Step}: loss {p.TrainingLoss:F3}");
    }
});
var result = new AgroNTPretrainer(options).Train(corpus, progress);
Console.WriteLine($"{result.Status}: {result.Steps} updates, {result.Tokens:N0} tokens in {result.Elapsed.TotalSeconds:F0} s" +
    (result.Validation is { } v ? string.Create(CultureInfo.InvariantCulture, $"; validation loss {v.Loss:F3}") : ""));

// The output is an ordinary Hugging Face folder: load it like any AgroNT model and embed.
var model = AgroNTModel.Load(result.OutputFolder);
var first = SequenceReader.ReadFile(genome).First();
string sequence = first.Sequence[..600];
float[] embedding = new AgroNTEmbedder(model).Embed(sequence);
Console.WriteLine($"reloaded {model.Config.NumHiddenLayers} x {model.Config.HiddenSize} model from {result.OutputFolder}; " +
    $"embedded the first 600 bp of {first.Name} into {embedding.Length} values (first three: " +
    string.Join(", ", embedding.Take(3).Select(x => x.ToString("F4", CultureInfo.InvariantCulture))) + ")");
return embedding.Length == config.HiddenSize && embedding.All(float.IsFinite) ? 0 : 1;
