using System.Globalization;
using AgroNT.MLNet.Visualization;

namespace AgroNT.Cli;

/// <summary><c>agront plot embeddings|metrics</c>: PNG charts of an embedding file (PCA) or a training metrics.csv.</summary>
internal sealed class PlotVerb : IVerb
{
    public string Name => "plot";

    public string Summary => "PNG charts: PCA of an embedding file coloured by label, or training curves of a metrics.csv";

    public string Usage => "agront plot embeddings -i EMB.{parquet,csv,jsonl,npy} [--labels TASK.fa | --labels TABLE.{csv,parquet} --color-by COLUMN] -o pca.png\n"
        + "       agront plot metrics -i metrics.csv [--columns train_loss,val_loss] [--log-y] -o curve.png";

    public IReadOnlyList<OptionSpec> Options { get; } =
    [
        new("input", "i", true, "embeddings: an embedding file from agront embed; metrics: a metrics.csv (agront pretrain writes one)"),
        CommonOptions.Output,
        new("labels", null, true, "embeddings: colour by label, from a FASTA with '>name|label' headers or a .csv/.parquet table (its first column is the record id; pick the column with --color-by)"),
        new("color-by", null, true, "embeddings: the --labels table column to colour by"),
        new("columns", null, true, "metrics: comma-separated columns to draw (default: every *loss column)"),
        new("log-y", null, false, "metrics: logarithmic vertical axis"),
        new("title", null, true, "chart title"),
        new("width", null, true, "image width in pixels (default 800 for embeddings, 900 for metrics)"),
        new("height", null, true, "image height in pixels (default 600 for embeddings, 540 for metrics)"),
    ];

    public int Run(ParsedArguments args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        string chart = args.Positional.Count == 1 ? args.Positional[0] : throw new UsageException("name one chart: embeddings or metrics (agront plot --help).");
        string input = args.Require("input");
        string output = args.Require("output");
        CommonOptions.CheckOutputs(CommonOptions.Paths(args, "input", "labels"), CommonOptions.Paths(args, "output"), ("--output", [".png"]));
        return chart switch
        {
            "embeddings" => PlotEmbeddings(args, input, output, stderr),
            "metrics" => PlotMetrics(args, input, output, stderr),
            _ => throw new UsageException($"unknown chart '{chart}'; use embeddings or metrics."),
        };
    }

    private static int PlotEmbeddings(ParsedArguments args, string input, string output, TextWriter stderr)
    {
        if (args.Has("columns") || args.Has("log-y"))
        {
            throw new UsageException("--columns and --log-y belong to 'agront plot metrics'.");
        }
        string? labelsPath = args.Get("labels");
        string? column = args.Get("color-by");
        IReadOnlyDictionary<string, string>? labels = null;
        string labelName = "label";
        if (labelsPath is not null)
        {
            bool table = labelsPath.EndsWith(".csv", StringComparison.OrdinalIgnoreCase) || labelsPath.EndsWith(".parquet", StringComparison.OrdinalIgnoreCase);
            if (table != (column is not null))
            {
                throw new UsageException(table
                    ? $"--labels {labelsPath} is a table: name its column with --color-by COLUMN."
                    : "--color-by names a column of a --labels table (.csv or .parquet); a FASTA's labels come from its '>name|label' headers.");
            }
            labels = table ? EmbeddingPlots.ReadTableLabels(labelsPath, column!) : EmbeddingPlots.ReadFastaLabels(labelsPath);
            labelName = column ?? labelName;
        }
        else if (column is not null)
        {
            throw new UsageException("--color-by needs --labels TABLE.{csv,parquet} holding that column, keyed by record id in its first column.");
        }
        var defaults = new EmbeddingPcaPlotOptions();
        var plot = EmbeddingPlots.SavePca(input, output, new EmbeddingPcaPlotOptions
        {
            Title = args.Get("title"),
            Labels = labels,
            LabelName = labelName,
            Width = args.GetInt("width", defaults.Width, 64, 20_000),
            Height = args.GetInt("height", defaults.Height, 64, 20_000),
        });
        string groups = plot.Groups.Count == 0 ? "" : "; " + string.Join(", ", plot.Groups.Select(g => $"{labelName} {g.Label}: {g.Count}"));
        string unlabelled = plot.Unlabelled > 0 ? $"; {plot.Unlabelled} without a label" : "";
        stderr.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"agront plot: {plot.Rows} embeddings, PC1 {100 * plot.ExplainedVarianceRatio[0]:0.0}% and PC2 {100 * plot.ExplainedVarianceRatio[1]:0.0}% of variance{groups}{unlabelled} -> {output}"));
        return 0;
    }

    private static int PlotMetrics(ParsedArguments args, string input, string output, TextWriter stderr)
    {
        if (args.Has("labels") || args.Has("color-by"))
        {
            throw new UsageException("--labels and --color-by belong to 'agront plot embeddings'.");
        }
        var defaults = new MetricsPlotOptions();
        var drawn = MetricsPlots.Save(input, output, new MetricsPlotOptions
        {
            Columns = args.Get("columns") is { } columns ? columns.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) : null,
            Title = args.Get("title"),
            LogY = args.Has("log-y"),
            Width = args.GetInt("width", defaults.Width, 64, 20_000),
            Height = args.GetInt("height", defaults.Height, 64, 20_000),
        });
        stderr.WriteLine($"agront plot: {string.Join(", ", drawn.Select(d => d.Column))} against {defaults.StepColumn} -> {output}");
        return 0;
    }
}
