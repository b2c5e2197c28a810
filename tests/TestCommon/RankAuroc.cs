namespace AgroNT.Tests.Common;

/// <summary>
/// AUROC by the Mann-Whitney rank sum, written independently of the library's metrics so tests can check them:
/// (sum of the positives' ranks - P(P+1)/2) / (P N), tied scores sharing their average rank.
/// </summary>
public static class RankAuroc
{
    /// <summary>The AUROC of <paramref name="scores"/> against <paramref name="positive"/>; NaN with one class.</summary>
    public static double Compute(IReadOnlyList<bool> positive, IReadOnlyList<double> scores)
    {
        int n = scores.Count;
        int[] order = [.. Enumerable.Range(0, n).OrderBy(i => scores[i])];
        double[] rank = new double[n];
        for (int start = 0; start < n;)
        {
            int end = start;
            while (end + 1 < n && scores[order[end + 1]] == scores[order[start]])
            {
                end++;
            }
            // Ranks are 1-based; a run of ties from start to end shares the mean of its ranks.
            double shared = (start + end) / 2.0 + 1;
            for (int k = start; k <= end; k++)
            {
                rank[order[k]] = shared;
            }
            start = end + 1;
        }
        long positives = positive.Count(p => p), negatives = n - positives;
        if (positives == 0 || negatives == 0)
        {
            return double.NaN;
        }
        double rankSum = Enumerable.Range(0, n).Where(i => positive[i]).Sum(i => rank[i]);
        return (rankSum - positives * (positives + 1) / 2.0) / (positives * (double)negatives);
    }
}
