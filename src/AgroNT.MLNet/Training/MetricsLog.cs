using System.Globalization;
using System.Text;
using AgroNT.MLNet.Visualization;

namespace AgroNT.MLNet.Training;

/// <summary>One row of <c>metrics.csv</c>: a step report, a validation, or both.</summary>
internal sealed record MetricsRow(
    long Step,
    long Tokens,
    double LearningRate,
    double? TrainingLoss,
    ValidationMetrics? Validation,
    double TokensPerSecond,
    double ElapsedSeconds);

/// <summary>
/// <c>metrics.csv</c> (one row per report, written and flushed as training goes) and the <c>loss.png</c> plot of
/// training and validation loss. On resume, rows after the checkpoint's step are dropped so that the file reads as one
/// uninterrupted run.
/// </summary>
internal sealed class MetricsLog
{
    public const string FileName = "metrics.csv";
    public const string PlotFileName = "loss.png";
    private const string Header = "step,tokens,learning_rate,train_loss,val_loss,baseline_loss,val_perplexity,val_accuracy,baseline_accuracy,val_mask_accuracy,mask_baseline_accuracy,baseline_token,tokens_per_second,elapsed_seconds";

    private readonly string _path;
    private readonly List<(long Step, double Loss)> _training = [];
    private readonly List<(long Step, double Loss)> _validation = [];
    private readonly List<(long Step, double Loss)> _baseline = [];

    public MetricsLog(string folder, long resumeStep)
    {
        Directory.CreateDirectory(folder);
        _path = Path.Combine(folder, FileName);
        var kept = new List<string> { Header };
        if (resumeStep > 0 && File.Exists(_path))
        {
            foreach (string line in File.ReadLines(_path).Skip(1))
            {
                string[] cells = line.Split(',');
                if (cells.Length < 5 || !long.TryParse(cells[0], CultureInfo.InvariantCulture, out long step) || step > resumeStep)
                {
                    continue;
                }
                kept.Add(line);
                if (double.TryParse(cells[3], CultureInfo.InvariantCulture, out double train))
                {
                    _training.Add((step, train));
                }
                if (double.TryParse(cells[4], CultureInfo.InvariantCulture, out double validation))
                {
                    _validation.Add((step, validation));
                }
                if (double.TryParse(cells[5], CultureInfo.InvariantCulture, out double baseline))
                {
                    _baseline.Add((step, baseline));
                }
            }
        }
        File.WriteAllText(_path, string.Join('\n', kept) + "\n");
    }

    public string FilePath => _path;

    public void Append(MetricsRow row)
    {
        var v = row.Validation;
        string line = string.Join(',',
            row.Step.ToString(CultureInfo.InvariantCulture),
            row.Tokens.ToString(CultureInfo.InvariantCulture),
            Number(row.LearningRate),
            row.TrainingLoss is { } t ? Number(t) : "",
            v is null ? "" : Number(v.Loss),
            v is null ? "" : Number(v.BaselineLoss),
            v is null ? "" : Number(v.Perplexity),
            v is null ? "" : Number(v.Accuracy),
            v is null ? "" : Number(v.BaselineAccuracy),
            v is null ? "" : Number(v.MaskAccuracy),
            v is null ? "" : Number(v.MaskBaselineAccuracy),
            v is null ? "" : v.BaselineToken,
            Number(row.TokensPerSecond),
            Number(row.ElapsedSeconds));
        File.AppendAllText(_path, line + "\n", Encoding.UTF8);
        if (row.TrainingLoss is { } loss)
        {
            _training.Add((row.Step, loss));
        }
        if (v is not null)
        {
            _validation.Add((row.Step, v.Loss));
            _baseline.Add((row.Step, v.BaselineLoss));
        }
    }

    /// <summary>Writes <c>loss.png</c> beside the CSV (nothing when there is no point yet).</summary>
    public void WritePlot(string title)
    {
        var series = new List<LineSeries>();
        if (_training.Count > 0)
        {
            series.Add(new LineSeries("training loss", _training.Select(p => (double)p.Step).ToArray(), _training.Select(p => p.Loss).ToArray()));
        }
        if (_validation.Count > 0)
        {
            series.Add(new LineSeries("validation loss", _validation.Select(p => (double)p.Step).ToArray(), _validation.Select(p => p.Loss).ToArray()) { ShowMarkers = true });
        }
        if (_baseline.Count > 0)
        {
            series.Add(new LineSeries("validation loss of the training token frequencies", _baseline.Select(p => (double)p.Step).ToArray(), _baseline.Select(p => p.Loss).ToArray()));
        }
        if (series.Count == 0)
        {
            return;
        }
        Plots.SaveLineChart(System.IO.Path.Combine(System.IO.Path.GetDirectoryName(_path)!, PlotFileName),
            new LinePlot(title, "update", "masked-token cross-entropy (nats)", series));
    }

    private static string Number(double value) => value.ToString("G6", CultureInfo.InvariantCulture);
}
