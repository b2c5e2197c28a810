namespace AgroNT.MLNet.Tests.EmbeddingFiles;

/// <summary>Reproducible rows that stress the formats: awkward ids and floats of every kind of bit pattern.</summary>
internal static class EmbeddingRows
{
    /// <summary>Ids that need quoting, escaping or careful UTF-8, plus a few plain ones.</summary>
    public static readonly string[] AwkwardIds =
    [
        "chr1:100-200|1",
        "with,comma",
        "with \"quotes\", and a comma",
        "\"",
        "ünïcødé 🌱 名前",
        "",
        "  spaced  ",
        "tab\there",
        "=1+1",
        "line\nbreak",
        "carriage\r\nreturn",
    ];

    /// <summary>Fixed-length rows; ids cycle through <see cref="AwkwardIds"/> (without line breaks when asked).</summary>
    public static List<(string Id, float[] Embedding)> Fixed(int count, int dimension, bool finiteOnly, bool idsWithLineBreaks, int seed = 7)
    {
        var random = new Random(seed);
        string[] ids = idsWithLineBreaks ? AwkwardIds : [.. AwkwardIds.Where(id => !id.Contains('\n') && !id.Contains('\r'))];
        var rows = new List<(string, float[])>();
        for (int r = 0; r < count; r++)
        {
            var embedding = new float[dimension];
            for (int i = 0; i < dimension; i++)
            {
                embedding[i] = NextFloat(random, finiteOnly);
            }
            rows.Add((r < ids.Length ? ids[r] : $"seq{r}", embedding));
        }
        return rows;
    }

    /// <summary>Rows whose lengths vary from 0 up, for the formats that allow it.</summary>
    public static List<(string Id, float[] Embedding)> Variable(int count, int seed = 11)
    {
        var random = new Random(seed);
        var rows = new List<(string, float[])>();
        for (int r = 0; r < count; r++)
        {
            var embedding = new float[r % 5 == 0 ? 0 : random.Next(1, 40)];
            for (int i = 0; i < embedding.Length; i++)
            {
                embedding[i] = NextFloat(random, finiteOnly: true);
            }
            rows.Add((r < AwkwardIds.Length ? AwkwardIds[r] : $"seq{r}", embedding));
        }
        return rows;
    }

    /// <summary>Asserts same ids and bit-identical floats, row by row.</summary>
    public static void AssertBitIdentical(IReadOnlyList<(string Id, float[] Embedding)> expected, IReadOnlyList<(string Id, float[] Embedding)> actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (int r = 0; r < expected.Count; r++)
        {
            Assert.Equal(expected[r].Id, actual[r].Id);
            Assert.Equal(
                expected[r].Embedding.Select(BitConverter.SingleToInt32Bits),
                actual[r].Embedding.Select(BitConverter.SingleToInt32Bits));
        }
    }

    private static float NextFloat(Random random, bool finiteOnly)
    {
        switch (random.Next(12))
        {
            case 0:
                // Subnormals, zeros of both signs and the extremes.
                float[] edges = [0f, -0f, float.Epsilon, -float.Epsilon, 1.17549421E-38f, float.MaxValue, float.MinValue, 0.1f, 1f / 3];
                return edges[random.Next(edges.Length)];
            case 1 when !finiteOnly:
                float[] special = [float.NaN, float.PositiveInfinity, float.NegativeInfinity];
                return special[random.Next(special.Length)];
            case 2:
                return (float)(random.NextDouble() * 2 - 1);
            default:
                // Any finite bit pattern: every exponent and mantissa.
                float value;
                do
                {
                    value = BitConverter.Int32BitsToSingle(random.Next(int.MinValue, int.MaxValue));
                }
                while (!float.IsFinite(value));
                return value;
        }
    }
}
