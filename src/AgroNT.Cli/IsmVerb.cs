using System.Diagnostics;
using AgroNT.MLNet;
using AgroNT.MLNet.Analysis.Variants;

namespace AgroNT.Cli;

/// <summary><c>agront ism</c>: zero-shot in-silico saturation mutagenesis of a region, as a table and a heatmap.</summary>
internal sealed class IsmVerb : IVerb
{
    public string Name => "ism";

    public string Summary => "in-silico mutagenesis: llr of every substitution in a region (table + heatmap PNG)";

    public string Usage => "agront ism [--model DIR] --reference REF.fa --region chr:start-end -o OUT.{tsv,parquet} [--heatmap OUT.png] [--window W]";

    public IReadOnlyList<OptionSpec> Options { get; } =
    [
        CommonOptions.Model, CommonOptions.Output, VariantOptions.Reference, VariantOptions.Window, VariantOptions.BatchSize,
        new("region", null, true, "region chrom:start-end, 1-based inclusive"),
        new("heatmap", null, true, "heatmap PNG: rows A,C,G,T x positions, red llr > 0, blue < 0, reference base black"),
    ];

    public int Run(ParsedArguments args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        string output = args.Require("output");
        GenomeRegion region;
        try
        {
            region = GenomeRegion.Parse(args.Require("region"));
        }
        catch (FormatException e)
        {
            throw new UsageException(e.Message);
        }
        using var reference = FastaReference.Open(args.Require("reference"));
        using var model = AgroNTModel.Load(CommonOptions.ModelFolder(args));
        var ism = new SaturationMutagenesis(model, VariantOptions.GetWindow(args), args.GetInt("batch-size", 8, 1, 4096));
        var clock = Stopwatch.StartNew();
        var result = ism.Run(reference, region, new VariantOptions.PassProgress(stderr, Name), cancellationToken);
        VariantTableWriter.Write(result.ToDataFrame(), output);
        if (args.Get("heatmap") is { } heatmap)
        {
            result.SaveHeatmap(heatmap);
        }
        stderr.WriteLine($"agront {Name}: {region} ({region.Length:N0} bp), {result.Scores.Count:N0} substitutions, {ism.Scorer.MaskedPasses:N0} masked windows in {clock.Elapsed.TotalSeconds:N1} s -> {output}");
        return 0;
    }
}
