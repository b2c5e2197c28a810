using System.Text;
using AgroNT.Tests.Common;

namespace AgroNT.Fuzz;

/// <summary>Real inputs the mutations start from: plant DNA and FASTA files from the shared data folder.</summary>
internal sealed class Corpus
{
    private static readonly Lazy<Corpus> s_shared = new(Load);

    private Corpus(string dna, IReadOnlyList<(string Name, byte[] Bytes)> fastaFiles)
    {
        Dna = dna;
        FastaFiles = fastaFiles;
    }

    public static Corpus Shared => s_shared.Value;

    /// <summary>The chloroplast genome's letters (upper-case A/C/G/T with the odd IUPAC code), one string.</summary>
    public string Dna { get; }

    /// <summary>Real FASTA files (the first 256 KB of each), as bytes.</summary>
    public IReadOnlyList<(string Name, byte[] Bytes)> FastaFiles { get; }

    /// <summary>A random stretch of real DNA of the given length (wrapping around the genome).</summary>
    public string Slice(Random random, int length)
    {
        var text = new StringBuilder(length);
        int start = random.Next(Dna.Length);
        while (text.Length < length)
        {
            int take = Math.Min(length - text.Length, Dna.Length - start);
            text.Append(Dna, start, take);
            start = 0;
        }
        return text.ToString();
    }

    private static Corpus Load()
    {
        string data = SharedData.Data;
        string[] names =
        [
            "arabidopsis_chloroplast_NC_000932.fa",
            "arabidopsis_bac_T25K16.fa",
            Path.Combine("tasks", "chloroplast_coding", "test.fa"),
            Path.Combine("tasks", "chloroplast_features", "validation.fa"),
        ];
        var files = new List<(string, byte[])>();
        foreach (string name in names)
        {
            using FileStream stream = File.OpenRead(Path.Combine(data, name));
            byte[] bytes = new byte[Math.Min(stream.Length, 256 * 1024)];
            stream.ReadExactly(bytes);
            files.Add((name, bytes));
        }
        var dna = new StringBuilder();
        foreach (string line in File.ReadLines(Path.Combine(data, names[0])))
        {
            if (!line.StartsWith('>'))
            {
                dna.Append(line.Trim());
            }
        }
        return new Corpus(dna.ToString(), files);
    }
}
