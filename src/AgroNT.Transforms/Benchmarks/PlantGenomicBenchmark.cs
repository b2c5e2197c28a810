using System.Diagnostics.CodeAnalysis;
using AgroNT.Transforms.ModelFolders;

namespace AgroNT.Transforms.Benchmarks;

/// <summary>
/// The Plant Genomic Benchmark (<c>InstaDeepAI/plant-genomic-benchmark</c>): every task family and config, and
/// loaders for a local copy in the Hub layout <c>&lt;root&gt;/&lt;family&gt;/&lt;config&gt;_{train,validation,test}.fa</c>.
/// </summary>
/// <remarks>
/// The data is CC BY-NC-SA 4.0 and is never shipped here: download it (or copy it) and point the loader at its root.
/// Every loader streams the files, so the 5 GB chromatin training files are read record by record, never held whole.
/// The catalog follows AGRONT-FACTS.md: gene_exp output counts other than Arabidopsis and maize are not confirmed and
/// are taken from the files; the chromatin Arabidopsis config keeps the Hub's spelling <c>arabidopis_thaliana</c>.
/// </remarks>
public static class PlantGenomicBenchmark
{
    private static readonly BenchmarkSplit[] s_trainTest = [BenchmarkSplit.Train, BenchmarkSplit.Test];
    private static readonly BenchmarkSplit[] s_allSplits = [BenchmarkSplit.Train, BenchmarkSplit.Validation, BenchmarkSplit.Test];

    private static readonly BenchmarkTask[] s_tasks = [.. BuildCatalog()];

    private static readonly Dictionary<string, BenchmarkTask> s_byId = s_tasks.ToDictionary(t => t.Id, StringComparer.Ordinal);

    /// <summary>Every task config, family by family in the order of the facts table.</summary>
    public static IReadOnlyList<BenchmarkTask> Tasks => s_tasks;

    /// <summary>The task families in catalog order.</summary>
    public static IReadOnlyList<string> Families { get; } = [.. s_tasks.Select(t => t.Family).Distinct()];

    /// <summary>The configs of one family.</summary>
    /// <param name="family">A family such as <c>poly_a</c>.</param>
    /// <returns>Its configs in catalog order.</returns>
    /// <exception cref="ArgumentException">The family is not in the benchmark; the message lists the families.</exception>
    public static IReadOnlyList<BenchmarkTask> GetFamily(string family)
    {
        ArgumentNullException.ThrowIfNull(family);
        BenchmarkTask[] tasks = [.. s_tasks.Where(t => t.Family == family)];
        return tasks.Length > 0
            ? tasks
            : throw new ArgumentException($"'{family}' is not a Plant Genomic Benchmark task family; the families are {string.Join(", ", Families)}.", nameof(family));
    }

    /// <summary>Finds a task by <c>family/config</c> (for example <c>chromatin_access/zea_mays</c>).</summary>
    /// <param name="id">The task id; a config alone is accepted when only one family has it.</param>
    /// <returns>The task.</returns>
    /// <exception cref="ArgumentException">No task, or several, match; the message lists the candidates.</exception>
    public static BenchmarkTask Get(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        if (TryGet(id, out BenchmarkTask? task))
        {
            return task;
        }
        BenchmarkTask[] byConfig = [.. s_tasks.Where(t => t.Config == id)];
        string message = byConfig.Length > 1
            ? $"'{id}' is a config of several task families: {string.Join(", ", byConfig.Select(t => t.Id))}; name one as family/config."
            : $"'{id}' is not a Plant Genomic Benchmark task; name it as family/config, for example {s_tasks[0].Id}. "
                + $"The families are {string.Join(", ", Families)} (PlantGenomicBenchmark.Tasks lists every config).";
        throw new ArgumentException(message, nameof(id));
    }

    /// <summary>Finds a task by family and config.</summary>
    /// <param name="family">The family, such as <c>promoter_strength</c>.</param>
    /// <param name="config">The config, such as <c>leaf</c>.</param>
    /// <returns>The task.</returns>
    /// <exception cref="ArgumentException">The pair is not in the benchmark.</exception>
    public static BenchmarkTask Get(string family, string config)
    {
        ArgumentNullException.ThrowIfNull(family);
        ArgumentNullException.ThrowIfNull(config);
        return s_byId.TryGetValue($"{family}/{config}", out BenchmarkTask? task)
            ? task
            : throw new ArgumentException(
                $"'{family}/{config}' is not a Plant Genomic Benchmark task; the configs of '{family}' are "
                + string.Join(", ", GetFamily(family).Select(t => t.Config)) + ".", nameof(config));
    }

    /// <summary>Finds a task by <c>family/config</c>, or a config that only one family has.</summary>
    /// <param name="id">The task id.</param>
    /// <param name="task">The task when found.</param>
    /// <returns>Whether exactly one task matched.</returns>
    public static bool TryGet(string? id, [NotNullWhen(true)] out BenchmarkTask? task)
    {
        task = null;
        if (id is null)
        {
            return false;
        }
        if (s_byId.TryGetValue(id, out task))
        {
            return true;
        }
        BenchmarkTask[] byConfig = [.. s_tasks.Where(t => t.Config == id)];
        task = byConfig.Length == 1 ? byConfig[0] : null;
        return task is not null;
    }

    /// <summary>The id of the benchmark's dataset on the Hugging Face Hub.</summary>
    public const string DatasetId = "InstaDeepAI/plant-genomic-benchmark";

    /// <summary>
    /// The folder a benchmark root stands for: an existing folder as it is (a <c>datasets--ORG--NAME</c> cache entry
    /// becomes its snapshot), or a dataset id such as <see cref="DatasetId"/> (<c>@REVISION</c> optional) downloaded
    /// into the Hugging Face cache (<c>agront download --dataset</c>, <c>huggingface-cli download --repo-type dataset</c>).
    /// </summary>
    /// <param name="rootOrDatasetId">A folder, or a cached dataset id.</param>
    /// <returns>The full path of the root.</returns>
    /// <exception cref="DirectoryNotFoundException">Neither an existing folder nor a cached dataset; the message says how to download it.</exception>
    public static string ResolveRoot(string rootOrDatasetId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(rootOrDatasetId);
        return HuggingFaceModelLocator.ResolveDataset(rootOrDatasetId);
    }

    /// <summary>
    /// The path of one split of a task in a local copy laid out as on the Hub, checked to exist. A gzip-compressed
    /// copy (<c>.fa.gz</c>) is used when the plain file is absent.
    /// </summary>
    /// <param name="root">The benchmark root, the folder holding the family folders, or a dataset id in the Hugging Face cache (<see cref="ResolveRoot"/>).</param>
    /// <param name="task">The task.</param>
    /// <param name="split">The split.</param>
    /// <returns>The full path of the file.</returns>
    /// <exception cref="DirectoryNotFoundException"><paramref name="root"/> looks like a dataset id (ORG/NAME) that is not in the cache.</exception>
    /// <exception cref="ArgumentException">The task has no such split (the message lists its splits).</exception>
    /// <exception cref="FileNotFoundException">The file is missing; the message names the path expected and the layout.</exception>
    public static string GetSplitPath(string root, BenchmarkTask task, BenchmarkSplit split)
    {
        ArgumentNullException.ThrowIfNull(root);
        ArgumentNullException.ThrowIfNull(task);
        if (!task.HasSplit(split))
        {
            throw new ArgumentException(
                $"{task.Id} has no {split.FileNamePart()} split; it ships {string.Join(", ", task.Splits.Select(s => s.FileNamePart()))}. "
                + "Hold out part of the training file for validation instead.", nameof(split));
        }
        if (!Directory.Exists(root) || Directory.Exists(Path.Combine(root, "snapshots")))
        {
            // A dataset id, or a cache entry: a missing plain folder falls through to the message below.
            try
            {
                root = ResolveRoot(root);
            }
            catch (DirectoryNotFoundException) when (!LooksLikeDatasetId(root))
            {
            }
        }
        string path = Path.GetFullPath(Path.Combine(root, task.RelativePath(split)));
        if (File.Exists(path))
        {
            return path;
        }
        if (File.Exists(path + ".gz"))
        {
            return path + ".gz";
        }
        string problem = Directory.Exists(root)
            ? $"The {split.FileNamePart()} file of {task.Id} is missing: expected '{path}'."
            : $"The benchmark root '{Path.GetFullPath(root)}' does not exist (looking for the {split.FileNamePart()} file of {task.Id}).";
        throw new FileNotFoundException(
            problem + " The loader reads the Hub layout <root>/<family>/<config>_{train,validation,test}.fa "
            + "(agront download --dataset InstaDeepAI/plant-genomic-benchmark, then pass the id as the root; or "
            + "huggingface-cli download InstaDeepAI/plant-genomic-benchmark --repo-type dataset --local-dir <root>), "
            + "or pass the files explicitly with BenchmarkDataView.Open.", path);
    }

    /// <summary>Loads one split of a task from a local copy in the Hub layout, as a streaming <see cref="BenchmarkDataView"/>.</summary>
    /// <param name="root">The benchmark root.</param>
    /// <param name="task">The task, from <see cref="Tasks"/> or your own.</param>
    /// <param name="split">The split.</param>
    /// <returns>The data; nothing is read until a cursor moves (except the first record when the label count is not confirmed).</returns>
    /// <exception cref="ArgumentException">The task has no such split.</exception>
    /// <exception cref="FileNotFoundException">The file is missing.</exception>
    public static BenchmarkDataView Load(string root, BenchmarkTask task, BenchmarkSplit split) =>
        BenchmarkDataView.Open(GetSplitPath(root, task, split), task);

    /// <summary>Loads one split of a task named by <c>family/config</c>; see <see cref="Load(string, BenchmarkTask, BenchmarkSplit)"/>.</summary>
    /// <param name="root">The benchmark root.</param>
    /// <param name="taskId">The task id, such as <c>poly_a/arabidopsis_thaliana</c>.</param>
    /// <param name="split">The split.</param>
    /// <returns>The data.</returns>
    public static BenchmarkDataView Load(string root, string taskId, BenchmarkSplit split) => Load(root, Get(taskId), split);

    /// <summary>Loads every split a task ships (validation is <see langword="null"/> when it has none).</summary>
    /// <param name="root">The benchmark root.</param>
    /// <param name="task">The task.</param>
    /// <returns>The splits; each file is checked to exist now.</returns>
    public static BenchmarkDataSet LoadSplits(string root, BenchmarkTask task)
    {
        ArgumentNullException.ThrowIfNull(task);
        return new BenchmarkDataSet(
            task,
            Load(root, task, BenchmarkSplit.Train),
            task.HasSplit(BenchmarkSplit.Validation) ? Load(root, task, BenchmarkSplit.Validation) : null,
            Load(root, task, BenchmarkSplit.Test));
    }

    /// <summary>ORG/NAME[@REVISION] that is not a relative folder path of more than two parts.</summary>
    private static bool LooksLikeDatasetId(string text)
    {
        string id = text.Split('@')[0];
        return id.Count(c => c == '/') == 1 && !id.StartsWith('.') && !Path.IsPathRooted(id) && !id.Contains('\\');
    }

    private static IEnumerable<BenchmarkTask> BuildCatalog()
    {
        const string AucFamily = "AUC family (exact variant not recorded)";
        foreach (string config in (string[])["arabidopsis_thaliana", "oryza_sativa_indica_group", "trifolium_pratense", "medicago_truncatula", "chlamydomonas_reinhardtii", "oryza_sativa_japonica_group"])
        {
            yield return Binary("poly_a", config, 400, 400, s_trainTest, AucFamily);
        }
        foreach (string config in (string[])["arabidopsis_thaliana_donor", "arabidopsis_thaliana_acceptor"])
        {
            yield return Binary("splicing", config, 398, 398, s_trainTest, AucFamily);
        }
        foreach (string config in (string[])["m_esculenta", "z_mays", "g_max", "s_lycopersicum", "t_aestivum", "s_bicolor"])
        {
            yield return Binary("lncrna", config, 101, 6000, s_trainTest, "AUC") with
            {
                PaperScore = config == "g_max" ? PaperScore.Single(0.81) : null,
            };
        }
        foreach (string family in (string[])["promoter_strength", "terminator_strength"])
        {
            PaperScore score = family == "promoter_strength" ? new PaperScore(0.62, 0.75, "per species") : new PaperScore(0.65, 0.77, "per species");
            foreach (string config in (string[])["leaf", "protoplast"])
            {
                yield return new BenchmarkTask
                {
                    Family = family, Config = config, ProblemType = ProblemType.Regression, OutputCount = 1,
                    MinLength = 170, MaxLength = 170, Splits = s_allSplits, PaperMetric = "R2", PaperScore = score,
                };
            }
        }
        foreach (var (config, labels) in ((string, int)[])[
            ("arabidopis_thaliana", 19), ("brachypodium_distachyon", 9), ("oryza_sativa_MH63_RS2", 15), ("oryza_sativa_ZS97_RS2", 15),
            ("setaria_italica", 9), ("sorghum_bicolor", 14), ("zea_mays", 19)])
        {
            yield return new BenchmarkTask
            {
                Family = "chromatin_access", Config = config, ProblemType = ProblemType.MultiLabelClassification,
                OutputCount = labels, MinLength = 1000, MaxLength = 1000, Splits = s_allSplits, PaperMetric = "AUROC per label",
                PaperScore = config == "zea_mays" ? new PaperScore(0.979, 0.987, "per label") : null,
            };
        }
        foreach (var (config, outputs, confirmed) in ((string, int, bool)[])[
            ("arabidopsis_thaliana", 56, true), ("glycine_max", 23, false), ("oryza_sativa", 7, false),
            ("solanum_lycopersicum", 10, false), ("zea_mays", 23, true)])
        {
            yield return new BenchmarkTask
            {
                Family = "gene_exp", Config = config, ProblemType = ProblemType.MultiOutputRegression,
                OutputCount = outputs, OutputCountConfirmed = confirmed, MinLength = 6000, MaxLength = 6000,
                Splits = s_allSplits, PaperMetric = "R2 per tissue",
                PaperScore = config == "zea_mays" ? new PaperScore(0.41, 0.68, "per tissue") : null,
            };
        }
        yield return Binary("pro_seq", "m_esculenta", 1000, 1000, s_allSplits, AucFamily);
    }

    private static BenchmarkTask Binary(string family, string config, int minLength, int maxLength, BenchmarkSplit[] splits, string metric) => new()
    {
        Family = family, Config = config, ProblemType = ProblemType.BinaryClassification, OutputCount = 1,
        MinLength = minLength, MaxLength = maxLength, Splits = splits, PaperMetric = metric,
    };
}
