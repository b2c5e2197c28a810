using AgroNT.Transforms.Benchmarks;

namespace AgroNT.Transforms.Tests.Benchmarks;

public sealed class PlantGenomicBenchmarkTests
{
    [Fact]
    public void Tasks_EveryFamilyOfTheFacts_WithItsConfigCount()
    {
        var perFamily = PlantGenomicBenchmark.Tasks.GroupBy(t => t.Family).ToDictionary(g => g.Key, g => g.Count());

        Assert.Equal(["poly_a", "splicing", "lncrna", "promoter_strength", "terminator_strength", "chromatin_access", "gene_exp", "pro_seq"], PlantGenomicBenchmark.Families);
        Assert.Equal(6, perFamily["poly_a"]);
        Assert.Equal(2, perFamily["splicing"]);
        Assert.Equal(6, perFamily["lncrna"]);
        Assert.Equal(2, perFamily["promoter_strength"]);
        Assert.Equal(2, perFamily["terminator_strength"]);
        Assert.Equal(7, perFamily["chromatin_access"]);
        Assert.Equal(5, perFamily["gene_exp"]);
        Assert.Equal(1, perFamily["pro_seq"]);
        Assert.Equal(31, PlantGenomicBenchmark.Tasks.Select(t => t.Id).Distinct().Count());
    }

    [Theory]
    [InlineData("chromatin_access/arabidopis_thaliana", 19, true)]
    [InlineData("chromatin_access/brachypodium_distachyon", 9, true)]
    [InlineData("chromatin_access/oryza_sativa_MH63_RS2", 15, true)]
    [InlineData("chromatin_access/oryza_sativa_ZS97_RS2", 15, true)]
    [InlineData("chromatin_access/setaria_italica", 9, true)]
    [InlineData("chromatin_access/sorghum_bicolor", 14, true)]
    [InlineData("chromatin_access/zea_mays", 19, true)]
    [InlineData("gene_exp/arabidopsis_thaliana", 56, true)]
    [InlineData("gene_exp/glycine_max", 23, false)]
    [InlineData("gene_exp/oryza_sativa", 7, false)]
    [InlineData("gene_exp/solanum_lycopersicum", 10, false)]
    [InlineData("gene_exp/zea_mays", 23, true)]
    [InlineData("poly_a/arabidopsis_thaliana", 1, true)]
    [InlineData("promoter_strength/leaf", 1, true)]
    public void Get_MultiOutputTasks_HaveTheFactsLabelCounts(string id, int outputs, bool confirmed)
    {
        var task = PlantGenomicBenchmark.Get(id);

        Assert.Equal(outputs, task.OutputCount);
        Assert.Equal(confirmed, task.OutputCountConfirmed);
    }

    [Fact]
    public void Tasks_ProblemTypesLengthsAndMetrics_FollowTheFacts()
    {
        foreach (var task in PlantGenomicBenchmark.Tasks)
        {
            var (type, min, max) = task.Family switch
            {
                "poly_a" => (ProblemType.BinaryClassification, 400, 400),
                "splicing" => (ProblemType.BinaryClassification, 398, 398),
                "lncrna" => (ProblemType.BinaryClassification, 101, 6000),
                "promoter_strength" or "terminator_strength" => (ProblemType.Regression, 170, 170),
                "chromatin_access" => (ProblemType.MultiLabelClassification, 1000, 1000),
                "gene_exp" => (ProblemType.MultiOutputRegression, 6000, 6000),
                "pro_seq" => (ProblemType.BinaryClassification, 1000, 1000),
                _ => throw new InvalidOperationException(task.Id),
            };
            Assert.Equal(type, task.ProblemType);
            Assert.Equal((min, max), (task.MinLength, task.MaxLength));
            Assert.Equal(type.IsClassification() ? BenchmarkMetric.Auroc : BenchmarkMetric.R2, task.Metric);
            Assert.NotEmpty(task.PaperMetric);
        }
    }

    [Fact]
    public void Tasks_OnlyTheFiveFamiliesWithValidation_HaveThatSplit()
    {
        string[] withValidation = [.. PlantGenomicBenchmark.Tasks.Where(t => t.HasSplit(BenchmarkSplit.Validation)).Select(t => t.Family).Distinct()];

        Assert.Equal(["promoter_strength", "terminator_strength", "chromatin_access", "gene_exp", "pro_seq"], withValidation);
        Assert.All(PlantGenomicBenchmark.Tasks, t => Assert.True(t.HasSplit(BenchmarkSplit.Train) && t.HasSplit(BenchmarkSplit.Test)));
    }

    [Fact]
    public void PaperScore_KnownFigures_AreAttachedWhereTheFactsGiveThem()
    {
        Assert.Equal("0.81", PlantGenomicBenchmark.Get("lncrna/g_max").PaperScore!.ToString());
        Assert.Equal("0.979-0.987 per label", PlantGenomicBenchmark.Get("chromatin_access/zea_mays").PaperScore!.ToString());
        Assert.Equal("0.41-0.68 per tissue", PlantGenomicBenchmark.Get("gene_exp/zea_mays").PaperScore!.ToString());
        Assert.Equal(0.62, PlantGenomicBenchmark.Get("promoter_strength/leaf").PaperScore!.Low);
        Assert.Equal(0.77, PlantGenomicBenchmark.Get("terminator_strength/protoplast").PaperScore!.High);
        Assert.Null(PlantGenomicBenchmark.Get("lncrna/z_mays").PaperScore);
        Assert.Null(PlantGenomicBenchmark.Get("poly_a/arabidopsis_thaliana").PaperScore);
    }

    [Fact]
    public void Get_ConfigOfSeveralFamilies_ThrowsListingThem()
    {
        var exception = Assert.Throws<ArgumentException>(() => PlantGenomicBenchmark.Get("leaf"));

        Assert.Contains("promoter_strength/leaf", exception.Message);
        Assert.Contains("terminator_strength/leaf", exception.Message);
    }

    [Fact]
    public void Get_UniqueConfigOrFamilyAndConfig_FindsTheTask()
    {
        Assert.Equal("lncrna/g_max", PlantGenomicBenchmark.Get("g_max").Id);
        Assert.Equal("splicing/arabidopsis_thaliana_donor", PlantGenomicBenchmark.Get("splicing", "arabidopsis_thaliana_donor").Id);
        Assert.False(PlantGenomicBenchmark.TryGet("arabidopsis_thaliana", out _));
    }

    [Fact]
    public void Get_UnknownTask_ThrowsNamingTheFamilies()
    {
        var exception = Assert.Throws<ArgumentException>(() => PlantGenomicBenchmark.Get("poly_a", "homo_sapiens"));

        Assert.Contains("poly_a/homo_sapiens", exception.Message);
        Assert.Contains("arabidopsis_thaliana", exception.Message);
        Assert.Throws<ArgumentException>(() => PlantGenomicBenchmark.GetFamily("enhancers"));
    }

    [Fact]
    public void GetSplitPath_SplitTheTaskDoesNotShip_ThrowsListingItsSplits()
    {
        using var folder = new BenchmarkFolder().Link("chloroplast_coding", "poly_a", "arabidopsis_thaliana", "train", "test");

        var exception = Assert.Throws<ArgumentException>(() =>
            PlantGenomicBenchmark.GetSplitPath(folder.Root, PlantGenomicBenchmark.Get("poly_a/arabidopsis_thaliana"), BenchmarkSplit.Validation));

        Assert.Contains("has no validation split", exception.Message);
        Assert.Contains("train, test", exception.Message);
    }

    [Fact]
    public void GetSplitPath_MissingFile_ThrowsNamingTheExpectedPathAndLayout()
    {
        using var folder = new BenchmarkFolder().Link("chloroplast_coding", "poly_a", "arabidopsis_thaliana", "train");

        var exception = Assert.Throws<FileNotFoundException>(() => PlantGenomicBenchmark.Load(folder.Root, "poly_a/arabidopsis_thaliana", BenchmarkSplit.Test));

        string expected = Path.Combine(folder.Root, "poly_a", "arabidopsis_thaliana_test.fa");
        Assert.Equal(expected, exception.FileName);
        Assert.Contains($"'{expected}'", exception.Message);
        Assert.Contains("<root>/<family>/<config>_{train,validation,test}.fa", exception.Message);
    }

    [Fact]
    public void GetSplitPath_MissingRoot_SaysTheRootDoesNotExist()
    {
        var exception = Assert.Throws<FileNotFoundException>(() =>
            PlantGenomicBenchmark.Load("/nonexistent/pgb", "pro_seq/m_esculenta", BenchmarkSplit.Train));

        Assert.Contains("The benchmark root '/nonexistent/pgb' does not exist", exception.Message);
    }

    [Fact]
    public void LoadSplits_TaskWithValidation_OpensAllThree()
    {
        using var folder = new BenchmarkFolder().Link("chloroplast_coding", "pro_seq", "m_esculenta");

        var splits = PlantGenomicBenchmark.LoadSplits(folder.Root, PlantGenomicBenchmark.Get("pro_seq/m_esculenta"));

        Assert.EndsWith("m_esculenta_train.fa", splits.Train.FilePath);
        Assert.EndsWith("m_esculenta_validation.fa", splits.Validation!.FilePath);
        Assert.EndsWith("m_esculenta_test.fa", splits.Test.FilePath);
        Assert.Equal("pro_seq/m_esculenta", splits.Test.TaskId);
    }

    [Fact]
    public void LoadSplits_TaskWithoutValidation_LeavesItNull()
    {
        using var folder = new BenchmarkFolder().Link("chloroplast_coding", "splicing", "arabidopsis_thaliana_donor", "train", "test");

        var splits = PlantGenomicBenchmark.LoadSplits(folder.Root, PlantGenomicBenchmark.Get("splicing/arabidopsis_thaliana_donor"));

        Assert.Null(splits.Validation);
    }
}
