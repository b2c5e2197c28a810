using System.Diagnostics;
using AgroNT.MLNet;
using AgroNT.MLNet.Training.FineTuning;
using AgroNT.MLNet.Variants;
using AgroNT.Transforms.ModelFolders;

namespace AgroNT.Cli;

/// <summary><c>agront ism</c>: zero-shot in-silico saturation mutagenesis of a region, as a table and a heatmap.</summary>
internal sealed class IsmVerb : IVerb
{
    public string Name => "ism";

    public string Summary => "in-silico mutagenesis: llr of every substitution in a region (table + heatmap PNG)";

    public string Usage => "agront ism [--model DIR|FINETUNED_DIR] --reference REF.fa --region chr:start-end -o OUT.{tsv,parquet} [--heatmap OUT.png] [--window W] [--output-index K] [--strand forward|reverse|both]";

    public IReadOnlyList<OptionSpec> Options { get; } =
    [
        CommonOptions.Model, CommonOptions.Output, VariantOptions.Reference, VariantOptions.Window, VariantOptions.BatchSize, CommonOptions.Device, CommonOptions.Strand, CommonOptions.Quiet,
        new("region", null, true, "region chrom:start-end, 1-based inclusive"),
        new("heatmap", null, true, "heatmap PNG: rows A,C,G,T x genome positions, diverging colour bar (red score > 0, blue < 0), reference base dark"),
        new("output-index", null, true, "with a fine-tuned model (agront finetune's folder): the head output to score (default 0)"),
    ];

    public int Run(ParsedArguments args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        string output = args.Require("output");
        CommonOptions.CheckOutputs(CommonOptions.Paths(args, "reference", "model"), CommonOptions.Paths(args, "output", "heatmap"), ("--output", [".tsv", ".parquet"]), ("--heatmap", [".png"]));
        GenomeRegion region;
        try
        {
            region = GenomeRegion.Parse(args.Require("region"));
        }
        catch (FormatException e)
        {
            throw new UsageException(e.Message);
        }
        string device = CommonOptions.DeviceName(args);
        var strand = CommonOptions.GetStrand(args);
        var folder = ModelFolder.Open(CommonOptions.ModelFolder(args));
        if (folder.Kind == ModelFolderKind.FineTuned && strand != Transforms.Embeddings.Strand.Forward)
        {
            throw new UsageException($"--strand {args.Get("strand")} applies to zero-shot ism (a pretrained --model folder); {folder.Path} is a fine-tuned folder, whose head is scored on the forward strand. Leave --strand out.");
        }
        using var reference = VariantOptions.OpenReference(args, stderr, Name);
        var clock = Stopwatch.StartNew();
        MutagenesisResult result;
        string passes;
        if (folder.Kind == ModelFolderKind.FineTuned)
        {
            // A fine-tuned folder: the paper's log2(prediction_mutant / prediction_reference) over the region's sequence.
            using var fineTuned = FineTunedModel.Load(folder.Path, device);
            var ism = new FineTunedMutagenesis(fineTuned, args.GetInt("output-index", 0, 0, fineTuned.OutputCount - 1), args.GetInt("batch-size", 16, 1, 4096));
            result = ism.Run(reference, region, cancellationToken);
            passes = $"{ism.Predictions:N0} sequences predicted";
        }
        else
        {
            using var model = AgroNTModel.Load(folder.Path, new AgroNTModelOptions { Device = device });
            var ism = new SaturationMutagenesis(model, VariantOptions.GetWindow(args), args.GetInt("batch-size", 8, 1, 4096), strand);
            using var progress = CliProgress.Create(args, stderr, Name, ProgressUnit.Of("masked windows"));
            result = ism.Run(reference, region, VariantOptions.Passes(progress), cancellationToken);
            passes = $"{ism.Scorer.MaskedPasses:N0} masked windows";
        }
        VariantTableWriter.Write(result.ToDataFrame(), output);
        if (args.Get("heatmap") is { } heatmap)
        {
            result.SaveHeatmap(heatmap);
        }
        stderr.WriteLine($"agront {Name}: {region} ({region.Length:N0} bp), {result.Scores.Count:N0} substitutions ({result.ScoreName}), {passes} in {clock.Elapsed.TotalSeconds:N1} s -> {output}");
        return 0;
    }
}
