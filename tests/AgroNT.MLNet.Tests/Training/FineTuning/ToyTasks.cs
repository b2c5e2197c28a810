using AgroNT.Transforms.Benchmarks;

namespace AgroNT.MLNet.Tests.Training.FineTuning;

/// <summary>Small learnable tasks: GC-rich versus AT-rich DNA, which a head on mean-pooled 6-mer states separates easily.</summary>
internal static class ToyTasks
{
    /// <summary>Binary: label 1 for sequences drawn from G/C, 0 for A/T; <paramref name="count"/> examples, alternating classes.</summary>
    public static List<TaskExample> GcRich(int count, int length = 36, int seed = 1)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, count).Select(i =>
        {
            bool positive = i % 2 == 0;
            string letters = positive ? "GC" : "AT";
            string sequence = new([.. Enumerable.Range(0, length).Select(_ => letters[random.Next(2)])]);
            return new TaskExample($"toy{i}", sequence, [positive ? 1f : 0f], i + 1);
        })];
    }

    /// <summary>Regression: the label is 100 + 10 x the GC fraction, over sequences of mixed composition.</summary>
    public static List<TaskExample> GcFraction(int count, int length = 36, int seed = 2)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, count).Select(i =>
        {
            double gc = (double)i / Math.Max(1, count - 1);
            string sequence = new([.. Enumerable.Range(0, length).Select(_ => random.NextDouble() < gc ? "GC"[random.Next(2)] : "AT"[random.Next(2)])]);
            float fraction = sequence.Count(c => c is 'G' or 'C') / (float)length;
            return new TaskExample($"reg{i}", sequence, [100 + 10 * fraction], i + 1);
        })];
    }

    /// <summary>Multi-output: the binary toy's label and its complement as two outputs (multi-label) or values.</summary>
    public static List<TaskExample> TwoLabels(int count) =>
        [.. GcRich(count).Select(e => e with { Labels = [e.Labels[0], 1 - e.Labels[0]] })];
}
