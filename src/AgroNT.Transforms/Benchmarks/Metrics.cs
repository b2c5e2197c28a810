namespace AgroNT.Transforms.Benchmarks;

/// <summary>
/// The metrics of the Plant Genomic Benchmark problem types, computed exactly (no binning or interpolation) in double
/// precision. Conventions follow scikit-learn: AUROC counts tied scores as one half; AUPRC is average precision
/// <c>sum_k (R_k - R_(k-1)) P_k</c> over the distinct score thresholds; MCC and F1 are 0 when undefined; Spearman is
/// Pearson on ranks with ties averaged.
/// </summary>
public static class BenchmarkMetrics
{
    /// <summary>Binary classification: AUROC, AUPRC, MCC, F1 and accuracy.</summary>
    /// <param name="labels">The true classes.</param>
    /// <param name="scores">Scores or probabilities, higher meaning more likely positive; parallel to <paramref name="labels"/>.</param>
    /// <param name="threshold">Scores at or above it are predicted positive (0.5 for probabilities).</param>
    /// <returns>The metrics.</returns>
    /// <exception cref="ArgumentException">The spans differ in length or are empty, or a score is NaN.</exception>
    public static BinaryTaskMetrics Binary(ReadOnlySpan<bool> labels, ReadOnlySpan<float> scores, double threshold = 0.5)
    {
        CheckPair(labels.Length, scores.Length, nameof(scores));
        CheckScores(scores, nameof(scores));
        long tp = 0, fp = 0, tn = 0, fn = 0;
        for (int i = 0; i < labels.Length; i++)
        {
            bool predicted = scores[i] >= threshold;
            if (labels[i])
            {
                if (predicted) { tp++; } else { fn++; }
            }
            else if (predicted) { fp++; } else { tn++; }
        }
        double denominator = Math.Sqrt((double)(tp + fp) * (tp + fn) * (tn + fp) * (tn + fn));
        double mcc = denominator == 0 ? 0 : ((double)tp * tn - (double)fp * fn) / denominator;
        double f1 = tp + fp + fn == 0 ? 0 : 2.0 * tp / (2.0 * tp + fp + fn);
        double accuracy = (double)(tp + tn) / labels.Length;
        return new BinaryTaskMetrics(Auroc(labels, scores), AveragePrecision(labels, scores), mcc, f1, accuracy,
            (int)(tp + fn), (int)(tn + fp), threshold);
    }

    /// <summary>Multi-label classification: per-label and macro AUROC and AUPRC, skipping labels with only one class.</summary>
    /// <param name="labels">The 0/1 labels, row-major: example i's label j at <c>i * labelCount + j</c>.</param>
    /// <param name="scores">Scores in the same layout.</param>
    /// <param name="labelCount">Labels per example.</param>
    /// <returns>The metrics; <see cref="MultiLabelTaskMetrics.Notes"/> says which labels were skipped and why.</returns>
    /// <exception cref="ArgumentException">The layouts differ, are empty or are not whole rows; a label is not 0 or 1; a score is NaN.</exception>
    public static MultiLabelTaskMetrics MultiLabel(ReadOnlySpan<float> labels, ReadOnlySpan<float> scores, int labelCount)
    {
        int rows = CheckRows(labels.Length, scores.Length, labelCount, nameof(labelCount));
        CheckScores(scores, nameof(scores));
        var column = new bool[rows];
        var columnScores = new float[rows];
        var perLabel = new LabelMetrics[labelCount];
        for (int j = 0; j < labelCount; j++)
        {
            int positives = 0;
            for (int i = 0; i < rows; i++)
            {
                float label = labels[i * labelCount + j];
                if (label is not (0f or 1f))
                {
                    throw new ArgumentException($"Multi-label labels must be 0 or 1; example {i}, label {j} is {label}.", nameof(labels));
                }
                column[i] = label == 1f;
                positives += column[i] ? 1 : 0;
                columnScores[i] = scores[i * labelCount + j];
            }
            bool defined = positives > 0 && positives < rows;
            perLabel[j] = new LabelMetrics(j, positives, rows - positives,
                defined ? Auroc(column, columnScores) : null,
                defined ? AveragePrecision(column, columnScores) : null);
        }
        var evaluated = perLabel.Where(l => !l.Skipped).ToList();
        return new MultiLabelTaskMetrics(perLabel,
            evaluated.Count == 0 ? double.NaN : evaluated.Average(l => l.Auroc!.Value),
            evaluated.Count == 0 ? double.NaN : evaluated.Average(l => l.Auprc!.Value));
    }

    /// <summary>Single-output regression: R2, Pearson, Spearman and RMSE.</summary>
    /// <param name="labels">The true values.</param>
    /// <param name="predictions">The predictions, parallel to <paramref name="labels"/>.</param>
    /// <returns>The metrics.</returns>
    /// <exception cref="ArgumentException">The spans differ in length or are empty.</exception>
    public static RegressionTaskMetrics Regression(ReadOnlySpan<float> labels, ReadOnlySpan<float> predictions)
    {
        CheckPair(labels.Length, predictions.Length, nameof(predictions));
        double sumSquares = 0;
        for (int i = 0; i < labels.Length; i++)
        {
            double error = (double)labels[i] - predictions[i];
            sumSquares += error * error;
        }
        return new RegressionTaskMetrics(R2(labels, predictions), Pearson(labels, predictions), Spearman(labels, predictions),
            Math.Sqrt(sumSquares / labels.Length), labels.Length);
    }

    /// <summary>Multi-output regression: each output's metrics and the mean R2 and Pearson over the outputs.</summary>
    /// <param name="labels">The true values, row-major: example i's output j at <c>i * outputCount + j</c>.</param>
    /// <param name="predictions">The predictions in the same layout.</param>
    /// <param name="outputCount">Outputs per example.</param>
    /// <returns>The metrics.</returns>
    /// <exception cref="ArgumentException">The layouts differ, are empty or are not whole rows.</exception>
    public static MultiOutputRegressionTaskMetrics MultiOutputRegression(ReadOnlySpan<float> labels, ReadOnlySpan<float> predictions, int outputCount)
    {
        int rows = CheckRows(labels.Length, predictions.Length, outputCount, nameof(outputCount));
        var column = new float[rows];
        var columnPredictions = new float[rows];
        var perOutput = new RegressionTaskMetrics[outputCount];
        for (int j = 0; j < outputCount; j++)
        {
            for (int i = 0; i < rows; i++)
            {
                column[i] = labels[i * outputCount + j];
                columnPredictions[i] = predictions[i * outputCount + j];
            }
            perOutput[j] = Regression(column, columnPredictions);
        }
        return new MultiOutputRegressionTaskMetrics(perOutput, MeanOfDefined(perOutput.Select(o => o.R2)), MeanOfDefined(perOutput.Select(o => o.Pearson)));
    }

    /// <summary>
    /// Every metric of a task's problem type and its headline (the one the AgroNT paper reports and training selects
    /// on): AUROC for binary classification, macro AUROC over labels for multi-label, R2 for regression, mean R2 over
    /// outputs for multi-output regression. The one place that names the headline metric.
    /// </summary>
    /// <param name="problemType">The task's problem type.</param>
    /// <param name="labels">Labels, <paramref name="outputs"/> per example, row-major (0/1 for classification).</param>
    /// <param name="predictions">Probabilities or values, laid out like <paramref name="labels"/>.</param>
    /// <param name="outputs">Outputs per example.</param>
    /// <returns>The evaluation.</returns>
    public static TaskEvaluation Evaluate(ProblemType problemType, ReadOnlySpan<float> labels, ReadOnlySpan<float> predictions, int outputs)
    {
        switch (problemType)
        {
            case ProblemType.BinaryClassification:
                bool[] classes = new bool[labels.Length];
                for (int i = 0; i < labels.Length; i++)
                {
                    classes[i] = labels[i] == 1f;
                }
                var binary = Binary(classes, predictions);
                return new TaskEvaluation("auroc", binary.Auroc, binary.ToDictionary(), []);
            case ProblemType.MultiLabelClassification:
                var multi = MultiLabel(labels, predictions, outputs);
                return new TaskEvaluation("macro_auroc", multi.MacroAuroc, multi.ToDictionary(), multi.Notes);
            case ProblemType.Regression:
                var regression = Regression(labels, predictions);
                return new TaskEvaluation("r2", regression.R2, regression.ToDictionary(), []);
            default:
                var multiOutput = MultiOutputRegression(labels, predictions, outputs);
                return new TaskEvaluation("mean_r2", multiOutput.MeanR2, multiOutput.ToDictionary(), []);
        }
    }

    /// <summary>Area under the ROC curve: the probability that a random positive scores above a random negative, ties counting one half.</summary>
    /// <param name="labels">The true classes.</param>
    /// <param name="scores">The scores, parallel to <paramref name="labels"/>.</param>
    /// <returns>The AUROC in [0, 1], or NaN when only one class is present.</returns>
    public static double Auroc(ReadOnlySpan<bool> labels, ReadOnlySpan<float> scores)
    {
        CheckPair(labels.Length, scores.Length, nameof(scores));
        double[] ranks = AverageRanks(scores);
        double positiveRankSum = 0;
        long positives = 0;
        for (int i = 0; i < labels.Length; i++)
        {
            if (labels[i])
            {
                positiveRankSum += ranks[i];
                positives++;
            }
        }
        long negatives = labels.Length - positives;
        if (positives == 0 || negatives == 0)
        {
            return double.NaN;
        }
        // Mann-Whitney U of the positives, from their rank sum, over the number of positive-negative pairs.
        return (positiveRankSum - positives * (positives + 1) / 2.0) / ((double)positives * negatives);
    }

    /// <summary>Average precision: <c>sum_k (R_k - R_(k-1)) P_k</c> over the distinct scores from highest to lowest.</summary>
    /// <param name="labels">The true classes.</param>
    /// <param name="scores">The scores, parallel to <paramref name="labels"/>.</param>
    /// <returns>The average precision in [0, 1], or NaN without positives.</returns>
    public static double AveragePrecision(ReadOnlySpan<bool> labels, ReadOnlySpan<float> scores)
    {
        CheckPair(labels.Length, scores.Length, nameof(scores));
        int[] order = DescendingOrder(scores);
        int positives = 0;
        foreach (bool label in labels)
        {
            positives += label ? 1 : 0;
        }
        if (positives == 0)
        {
            return double.NaN;
        }
        double result = 0, previousRecall = 0;
        long truePositives = 0, predicted = 0;
        for (int k = 0; k < order.Length;)
        {
            // Tied scores form one threshold: take the whole group before measuring.
            float score = scores[order[k]];
            for (; k < order.Length && scores[order[k]] == score; k++)
            {
                predicted++;
                truePositives += labels[order[k]] ? 1 : 0;
            }
            double recall = (double)truePositives / positives;
            result += (recall - previousRecall) * truePositives / predicted;
            previousRecall = recall;
        }
        return result;
    }

    /// <summary>Coefficient of determination <c>1 - SS_res / SS_tot</c> (it is negative for predictions worse than the mean).</summary>
    /// <param name="labels">The true values.</param>
    /// <param name="predictions">The predictions.</param>
    /// <returns>R2, or NaN when the labels are constant.</returns>
    public static double R2(ReadOnlySpan<float> labels, ReadOnlySpan<float> predictions)
    {
        CheckPair(labels.Length, predictions.Length, nameof(predictions));
        double mean = Mean(labels);
        double residual = 0, total = 0;
        for (int i = 0; i < labels.Length; i++)
        {
            double error = (double)labels[i] - predictions[i], deviation = labels[i] - mean;
            residual += error * error;
            total += deviation * deviation;
        }
        return total == 0 ? double.NaN : 1 - residual / total;
    }

    /// <summary>Pearson correlation coefficient.</summary>
    /// <param name="x">The first variable.</param>
    /// <param name="y">The second variable, parallel to <paramref name="x"/>.</param>
    /// <returns>r in [-1, 1], or NaN when either variable is constant.</returns>
    public static double Pearson(ReadOnlySpan<float> x, ReadOnlySpan<float> y)
    {
        CheckPair(x.Length, y.Length, nameof(y));
        double[] xs = new double[x.Length], ys = new double[y.Length];
        for (int i = 0; i < x.Length; i++)
        {
            xs[i] = x[i];
            ys[i] = y[i];
        }
        return Pearson(xs, ys);
    }

    /// <summary>Spearman rank correlation: Pearson correlation of the ranks, tied values sharing their average rank.</summary>
    /// <param name="x">The first variable.</param>
    /// <param name="y">The second variable, parallel to <paramref name="x"/>.</param>
    /// <returns>rho in [-1, 1], or NaN when either variable is constant.</returns>
    public static double Spearman(ReadOnlySpan<float> x, ReadOnlySpan<float> y)
    {
        CheckPair(x.Length, y.Length, nameof(y));
        return Pearson(AverageRanks(x), AverageRanks(y));
    }

    private static double Pearson(double[] x, double[] y)
    {
        double meanX = x.Average(), meanY = y.Average();
        double covariance = 0, varianceX = 0, varianceY = 0;
        for (int i = 0; i < x.Length; i++)
        {
            double dx = x[i] - meanX, dy = y[i] - meanY;
            covariance += dx * dy;
            varianceX += dx * dx;
            varianceY += dy * dy;
        }
        return varianceX == 0 || varianceY == 0 ? double.NaN : covariance / Math.Sqrt(varianceX * varianceY);
    }

    /// <summary>1-based ranks in ascending order, tied values sharing the average of the ranks they span.</summary>
    private static double[] AverageRanks(ReadOnlySpan<float> values)
    {
        int[] order = new int[values.Length];
        for (int i = 0; i < order.Length; i++)
        {
            order[i] = i;
        }
        float[] keys = values.ToArray();
        Array.Sort(keys, order);
        var ranks = new double[values.Length];
        for (int start = 0; start < order.Length;)
        {
            int end = start + 1;
            while (end < order.Length && keys[end] == keys[start])
            {
                end++;
            }
            // Ranks start+1 .. end share their mean.
            double rank = (start + 1 + end) / 2.0;
            for (int k = start; k < end; k++)
            {
                ranks[order[k]] = rank;
            }
            start = end;
        }
        return ranks;
    }

    private static int[] DescendingOrder(ReadOnlySpan<float> scores)
    {
        float[] keys = new float[scores.Length];
        int[] order = new int[scores.Length];
        for (int i = 0; i < order.Length; i++)
        {
            keys[i] = -scores[i];
            order[i] = i;
        }
        Array.Sort(keys, order);
        return order;
    }

    private static double Mean(ReadOnlySpan<float> values)
    {
        double sum = 0;
        foreach (float value in values)
        {
            sum += value;
        }
        return sum / values.Length;
    }

    private static double MeanOfDefined(IEnumerable<double> values)
    {
        double[] defined = [.. values.Where(v => !double.IsNaN(v))];
        return defined.Length == 0 ? double.NaN : defined.Average();
    }

    private static void CheckPair(int labels, int other, string paramName)
    {
        if (labels != other)
        {
            throw new ArgumentException($"Labels ({labels}) and {paramName} ({other}) must have the same length.", paramName);
        }
        if (labels == 0)
        {
            throw new ArgumentException("Metrics need at least one example.", paramName);
        }
    }

    private static int CheckRows(int labels, int other, int width, string paramName)
    {
        if (width <= 0)
        {
            throw new ArgumentOutOfRangeException(paramName, width, "Labels per example must be positive.");
        }
        CheckPair(labels, other, paramName);
        return labels % width == 0
            ? labels / width
            : throw new ArgumentException($"{labels} values are not whole rows of {width}.", paramName);
    }

    private static void CheckScores(ReadOnlySpan<float> scores, string paramName)
    {
        for (int i = 0; i < scores.Length; i++)
        {
            if (float.IsNaN(scores[i]))
            {
                throw new ArgumentException($"Score {i} is NaN; a model that produces NaN cannot be ranked.", paramName);
            }
        }
    }
}
