using System.Diagnostics;
using System.Globalization;
using AgroNT.MLNet;
using AgroNT.MLNet.Variants;

namespace AgroNT.Cli;

/// <summary><c>agront score-variants</c>: zero-shot llr and embedding scores for every allele of a VCF.</summary>
internal sealed class ScoreVariantsVerb : IVerb
{
    public string Name => "score-variants";

    public string Summary => "zero-shot variant effect scores (llr, embedding distances) for a VCF";

    public string Usage => "agront score-variants [--model DIR] --reference REF.fa --vcf V.vcf[.gz] -o OUT.{tsv,parquet} [--window W] [--layers 11,21,...] [--strand forward|reverse|both]";

    public IReadOnlyList<OptionSpec> Options { get; } =
    [
        CommonOptions.Model, CommonOptions.Output, VariantOptions.Reference, VariantOptions.Window, VariantOptions.BatchSize, CommonOptions.Device, CommonOptions.Strand, CommonOptions.Quiet,
        new("vcf", null, true, "variants, VCF plain, gzip or BGZF (multi-allelic records are split)"),
        new("layers", null, true, "comma-separated hidden-state layers for emb_cosine_L/emb_dot_L (default: 11/21/31/40 scaled to the model's depth; 'none' for llr only)"),
    ];

    public int Run(ParsedArguments args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        string output = args.Require("output");
        CommonOptions.CheckOutputs(CommonOptions.Paths(args, "reference", "vcf", "model"), CommonOptions.Paths(args, "output"), ("--output", [".tsv", ".parquet"]));
        string vcf = args.Require("vcf");
        string device = CommonOptions.DeviceName(args);
        string modelFolder = CommonOptions.MaskedLanguageModelFolder(args, "score-variants");
        IReadOnlyList<int>? layers = ParseLayers(args);
        using var reference = VariantOptions.OpenReference(args, stderr, Name);
        var alleles = VcfReader.Read(vcf);
        using var model = AgroNTModel.Load(modelFolder, new AgroNTModelOptions { Device = device });
        var scorer = new VariantScorer(model, new VariantScoringOptions
        {
            WindowBases = VariantOptions.GetWindow(args),
            Layers = layers,
            BatchSize = args.GetInt("batch-size", 8, 1, 4096),
            Strand = CommonOptions.GetStrand(args),
        });
        var clock = Stopwatch.StartNew();
        IReadOnlyList<VariantScore> scores;
        using (var progress = CliProgress.Create(args, stderr, Name, ProgressUnit.Of("masked windows")))
        {
            scores = scorer.Score(reference, alleles, VariantOptions.Passes(progress), cancellationToken);
        }
        VariantTableWriter.Write(VariantScorer.ToDataFrame(scores, scorer.Layers), output);
        int ok = scores.Count(s => s.Status == VariantStatus.Ok);
        double seconds = Math.Max(clock.Elapsed.TotalSeconds, 1e-9);
        stderr.WriteLine($"agront {Name}: {scores.Count:N0} alleles, {ok:N0} scored, {scorer.MaskedPasses:N0} masked windows in {seconds:N1} s ({ok / seconds:N1} variants/s) -> {output}");
        foreach (var group in scores.Where(s => s.Status != VariantStatus.Ok).GroupBy(s => s.Status))
        {
            stderr.WriteLine($"agront {Name}: {group.Count():N0} not scored: {group.Key.ToName()}");
        }
        return 0;
    }

    private static IReadOnlyList<int>? ParseLayers(ParsedArguments args)
    {
        if (args.Get("layers") is not { } text)
        {
            return null;
        }
        if (text == "none")
        {
            return [];
        }
        var layers = new List<int>();
        foreach (string part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out int layer))
            {
                throw new UsageException($"--layers takes comma-separated layer numbers such as 11,21,31,40 (or 'none'), got '{text}'.");
            }
            layers.Add(layer);
        }
        return layers;
    }
}

/// <summary>Options and progress shared by <c>score-variants</c> and <c>ism</c>.</summary>
internal static class VariantOptions
{
    public static readonly OptionSpec Reference = new("reference", "r", true, "reference FASTA (plain: .fai checked, then used or rebuilt; gzip/BGZF: streaming scan)");
    public static readonly OptionSpec Window = new("window", "w", true, "window in bp around each variant's token (default: the model's full window)");
    public static readonly OptionSpec BatchSize = new("batch-size", null, true, "masked windows per forward pass (default 8)");

    public static int? GetWindow(ParsedArguments args) => args.Has("window") ? args.GetInt("window", 0, 6, int.MaxValue) : null;

    /// <summary>Opens --reference, naming the flag in errors and telling when a stale or broken .fai was rebuilt.</summary>
    public static FastaReference OpenReference(ParsedArguments args, TextWriter stderr, string verb)
    {
        FastaReference reference;
        try
        {
            reference = FastaReference.Open(args.Require("reference"));
        }
        catch (Exception e) when (e is FormatException or InvalidDataException)
        {
            throw new InvalidDataException($"--reference: {e.Message}", e);
        }
        if (reference.RejectedIndexReason is { } reason)
        {
            stderr.WriteLine($"agront {verb}: rebuilt {reference.Path}.fai, which did not match the FASTA: {reason}");
        }
        return reference;
    }

    /// <summary>Masked windows done, as progress (the total is not known ahead).</summary>
    public static IProgress<int> Passes(CliProgress progress) => new SynchronousProgress<int>(done => progress.Report(done, null));
}
