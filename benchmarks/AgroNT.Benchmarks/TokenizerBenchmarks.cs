using System.Globalization;
using System.Text;
using AgroNT.Transforms.Tokenization;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace AgroNT.Benchmarks;

/// <summary>
/// The tokenizer's hot path on 1 Mb of real Arabidopsis DNA (<c>../shared/data/arabidopsis_genome2.fa</c>, upper-cased
/// once in setup): the raw token stream of whole records, and 6 kb model inputs of at most 1024 ids.
/// <c>dotnet run -c Release --project benchmarks/AgroNT.Benchmarks -- --filter '*Tokenizer*' --job short</c>
/// </summary>
[MemoryDiagnoser]
[Config(typeof(Config))]
public class TokenizerBenchmarks
{
    private const int WindowBases = 6000;

    private string[] _records = [];
    private KmerTokenizer _tokenizer = null!;
    private int[] _ids = [];

    /// <summary>Both tokenizer modes; on clean upper-case DNA they take the same path.</summary>
    [Params(TokenizerMode.Normalize, TokenizerMode.Hf)]
    public TokenizerMode Mode { get; set; }

    /// <summary>Loads the genome and the tiny model's vocabulary (AgroNT's layout).</summary>
    [GlobalSetup]
    public void Setup()
    {
        _records = [.. BenchmarkData.GenomeRecords().Select(r => r.ToUpperInvariant())];
        _tokenizer = KmerTokenizer.Create(BenchmarkData.TinyModelFolder, new KmerTokenizerOptions { Mode = Mode, LengthPolicy = LengthPolicy.Truncate });
        _ids = new int[_records.Max(r => r.Length)];
    }

    /// <summary>Every record's whole token stream, into one reused buffer.</summary>
    /// <returns>The number of tokens (so the work is not optimised away).</returns>
    [Benchmark(Baseline = true)]
    public int TokenizeGenome()
    {
        int tokens = 0;
        foreach (string record in _records)
        {
            tokens += _tokenizer.TokenizeToIds(record, _ids);
        }

        return tokens;
    }

    /// <summary>The genome as consecutive 6 kb model inputs (<c>&lt;cls&gt;</c> + at most 1023 tokens each).</summary>
    /// <returns>The number of ids.</returns>
    [Benchmark]
    public int EncodeModelInputs()
    {
        int tokens = 0;
        Span<int> window = _ids.AsSpan(0, _tokenizer.MaxTokens);
        foreach (string record in _records)
        {
            for (int start = 0; start < record.Length; start += WindowBases)
            {
                tokens += _tokenizer.EncodeToIds(record.AsSpan(start, Math.Min(WindowBases, record.Length - start)), window);
            }
        }

        return tokens;
    }

    private sealed class Config : ManualConfig
    {
        public Config() => AddColumn(new ThroughputColumn());
    }

    /// <summary>Bases of DNA per second, from the mean time of one pass over the genome.</summary>
    private sealed class ThroughputColumn : IColumn
    {
        private static readonly Lazy<long> s_bases = new(() => BenchmarkData.GenomeRecords().Sum(r => (long)r.Length));

        public string Id => nameof(ThroughputColumn);

        public string ColumnName => "DNA GB/s";

        public bool AlwaysShow => true;

        public ColumnCategory Category => ColumnCategory.Custom;

        public int PriorityInCategory => 0;

        public bool IsNumeric => true;

        public UnitType UnitType => UnitType.Dimensionless;

        public string Legend => "Bases (1 byte each in FASTA) tokenized per second, in 1e9/s: genome size / mean time per operation.";

        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

        public bool IsAvailable(Summary summary) => true;

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
        {
            double? meanNanoseconds = summary[benchmarkCase]?.ResultStatistics?.Mean;
            return meanNanoseconds is > 0
                ? (s_bases.Value / meanNanoseconds.Value).ToString("F2", CultureInfo.InvariantCulture)
                : "-";
        }
    }
}

/// <summary>Finds <c>../shared</c> beside the checkout and reads the benchmark inputs.</summary>
internal static class BenchmarkData
{
    public static string SharedFolder
    {
        get
        {
            // BenchmarkDotNet runs each benchmark in a child process started from its artifacts folder, which
            // lies inside the checkout, so walking up from either the working directory or the binary finds it.
            foreach (string start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
            {
                for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
                {
                    if (File.Exists(Path.Combine(dir.FullName, "AgroNT.MLNet.sln")))
                    {
                        string shared = Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared"));
                        if (Directory.Exists(shared))
                        {
                            return shared;
                        }
                    }
                }
            }

            throw new DirectoryNotFoundException($"No folder holding AgroNT.MLNet.sln with ../shared beside it above {Directory.GetCurrentDirectory()}.");
        }
    }

    public static string TinyModelFolder => Path.Combine(SharedFolder, "fixtures", "hf-reference", "model-tiny");

    /// <summary>The records of <c>data/arabidopsis_genome2.fa</c>, line breaks removed, case kept.</summary>
    public static List<string> GenomeRecords()
    {
        var records = new List<string>();
        var current = new StringBuilder();
        foreach (string line in File.ReadLines(Path.Combine(SharedFolder, "data", "arabidopsis_genome2.fa")))
        {
            if (line.StartsWith('>'))
            {
                if (current.Length > 0)
                {
                    records.Add(current.ToString());
                    current.Clear();
                }
            }
            else
            {
                current.Append(line.AsSpan().Trim());
            }
        }

        if (current.Length > 0)
        {
            records.Add(current.ToString());
        }

        return records;
    }
}
