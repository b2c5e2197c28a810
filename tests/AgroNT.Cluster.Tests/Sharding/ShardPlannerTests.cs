using AgroNT.Cluster.Sharding;

namespace AgroNT.Cluster.Tests.Sharding;

public sealed class ShardPlannerTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Theory]
    [InlineData(134, 5)]
    [InlineData(10, 3)]
    [InlineData(3, 8)]
    [InlineData(0, 4)]
    [InlineData(1_000_001, 7)]
    public void SplitRanges_AnyCounts_CoverEveryRecordOnceInOrderWithSizesWithinOne(long total, int shards)
    {
        var ranges = ShardPlanner.SplitRanges(total, shards);

        Assert.Equal((int)Math.Max(1, Math.Min(shards, total)), ranges.Count);
        long next = 0;
        foreach (var (first, count) in ranges)
        {
            Assert.Equal(next, first);
            next += count;
        }
        Assert.Equal(total, next);
        Assert.True(ranges.Max(r => r.RecordCount) - ranges.Min(r => r.RecordCount) <= 1);
        Assert.Equal(ranges, ShardPlanner.SplitRanges(total, shards));
    }

    [Fact]
    public void SplitRanges_134RecordsIn5_HandComputedSizes()
    {
        Assert.Equal([(0L, 27L), (27, 27), (54, 27), (81, 27), (108, 26)], ShardPlanner.SplitRanges(134, 5));
    }

    [Fact]
    public void SplitRanges_1204RecordsInBlocksOf256_WholeBlocksAndAShortLastOne()
    {
        // 1204 records = 4 full blocks of 256 + 180; 3 shards get 2, 2 and 1 blocks.
        Assert.Equal([(0L, 512L), (512, 512), (1024, 180)], ShardPlanner.SplitRanges(1204, 3, 256));
        Assert.Equal(5, ShardPlanner.SplitRanges(1204, 12, 256).Count);
        Assert.Equal([(0L, 134L)], ShardPlanner.SplitRanges(134, 5, 256));
    }

    [Fact]
    public void Plan_ChloroplastTrain_CountsRecordsAndFingerprintsStably()
    {
        var spec = new EmbeddingJobSpec { ModelFolder = ClusterTestData.TinyModel };
        string input = ClusterTestData.Chloroplast("train");

        var a = ShardPlanner.Plan(input, spec, 5);
        var b = ShardPlanner.Plan(input, spec, 5);

        Assert.Equal(1204, a.TotalRecords);
        Assert.Equal([0L, 256, 512, 768, 1024], a.Shards.Select(s => s.FirstRecord));
        Assert.Equal(a.Fingerprint, b.Fingerprint);
        Assert.NotEqual(a.Fingerprint, ShardPlanner.Plan(input, spec, 6).Fingerprint);
        Assert.NotEqual(a.Fingerprint, ShardPlanner.Plan(input, spec with { Pooling = "cls" }, 5).Fingerprint);
        // The strand is part of how a job embeds; the forward default leaves the fingerprint as it was before strands existed.
        Assert.Equal(a.Fingerprint, ShardPlanner.Plan(input, spec with { Strand = "forward" }, 5).Fingerprint);
        Assert.NotEqual(a.Fingerprint, ShardPlanner.Plan(input, spec with { Strand = "both" }, 5).Fingerprint);
        Assert.DoesNotContain("|strand=", spec.CanonicalText(), StringComparison.Ordinal);
        Assert.EndsWith("|strand=both", (spec with { Strand = "both" }).CanonicalText(), StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => (spec with { Strand = "minus" }).Validate());
        Assert.Throws<ArgumentException>(() => (spec with { Strand = "both", Pooling = "tokens" }).Validate());
        Assert.All(a.Shards, s => Assert.Equal(ShardStatus.Pending, s.Status));
        Assert.Equal("shard-00004.parquet", a.Shards[4].File);
    }

    [Fact]
    public void Plan_PlainFasta_RecordsTheHeaderOffsetOfEachShardsFirstRecord()
    {
        string input = ClusterTestData.Chloroplast("train");
        var plan = ShardPlanner.Plan(input, new EmbeddingJobSpec { ModelFolder = ClusterTestData.TinyModel }, 5);
        var names = AgroNT.Transforms.Sequences.SequenceReader.ReadFile(input).Select(r => r.Name).ToList();
        byte[] bytes = File.ReadAllBytes(input);

        foreach (var shard in plan.Shards)
        {
            // The line that starts at the offset is the header of the shard's first record (a second code path: the reader).
            int offset = checked((int)shard.ByteOffset!.Value);
            int lineEnd = Array.IndexOf(bytes, (byte)'\n', offset);
            string header = System.Text.Encoding.ASCII.GetString(bytes, offset, lineEnd - offset);
            Assert.StartsWith(">" + names[(int)shard.FirstRecord], header, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Plan_GzipOrTextInput_HasNoOffsets_SoWorkersReadFromTheTop()
    {
        string gz = _temp.Sub("train.fa.gz");
        using (var target = File.Create(gz))
        using (var zip = new System.IO.Compression.GZipStream(target, System.IO.Compression.CompressionLevel.Fastest))
        using (var source = File.OpenRead(ClusterTestData.Chloroplast("train")))
        {
            source.CopyTo(zip);
        }
        string text = _temp.Sub("seqs.txt");
        File.WriteAllLines(text, ["ACGTACGTAC", "GGGCCCAAAT"]);
        var spec = new EmbeddingJobSpec { ModelFolder = ClusterTestData.TinyModel };

        var zipped = ShardPlanner.Plan(gz, spec, 3);
        Assert.Equal(1204, zipped.TotalRecords);
        Assert.All(zipped.Shards, s => Assert.Null(s.ByteOffset));
        Assert.All(ShardPlanner.Plan(text, spec, 1).Shards, s => Assert.Null(s.ByteOffset));
    }

    [Fact]
    public void Prepare_FolderOfAnotherJob_ThrowsNamingWhatDiffers()
    {
        string folder = _temp.Sub("job");
        var spec = new EmbeddingJobSpec { ModelFolder = ClusterTestData.TinyModel };
        ShardPlanner.Prepare(ClusterTestData.Chloroplast("test"), spec, 4, folder);

        var otherInput = Assert.Throws<InvalidOperationException>(() => ShardPlanner.Prepare(ClusterTestData.Chloroplast("validation"), spec, 4, folder));
        var otherSpec = Assert.Throws<InvalidOperationException>(() => ShardPlanner.Prepare(ClusterTestData.Chloroplast("test"), spec with { Layer = 1 }, 4, folder));

        Assert.Contains("another input file", otherInput.Message);
        Assert.Contains("new output folder", otherInput.Message);
        Assert.Contains("other embedding options", otherSpec.Message);
    }

    [Fact]
    public void Manifest_SaveThenLoad_RoundTripsAndLeavesNoTemporaryFile()
    {
        string folder = Directory.CreateDirectory(_temp.Sub("m")).FullName;
        var plan = ShardPlanner.Plan(ClusterTestData.Chloroplast("train"), new EmbeddingJobSpec { ModelFolder = ClusterTestData.TinyModel, Layer = 1 }, 3);
        var done = plan.WithShard(plan.Shards[1] with { Status = ShardStatus.Done, Rows = 45, Sha256 = "ab", Worker = "w", Seconds = 1.5 });

        done.Save(folder);
        var loaded = ShardManifest.TryLoad(folder)!;

        Assert.Equal(done.Fingerprint, loaded.Fingerprint);
        Assert.Equal(done.Spec, loaded.Spec);
        Assert.Equal(done.Shards, loaded.Shards);
        Assert.Equal([ShardManifest.FileName], Directory.GetFiles(folder).Select(Path.GetFileName));
    }

    [Fact]
    public void Manifest_Garbage_ThrowsSayingHowToRecover()
    {
        string folder = Directory.CreateDirectory(_temp.Sub("bad")).FullName;
        File.WriteAllText(ShardManifest.PathIn(folder), "{ not json");

        var e = Assert.Throws<InvalidDataException>(() => ShardManifest.TryLoad(folder));

        Assert.Contains("delete the output folder", e.Message);
    }

    [Fact]
    public void Spec_BadPooling_ThrowsListingTheChoices()
    {
        var e = Assert.Throws<ArgumentException>(() => new EmbeddingJobSpec { ModelFolder = "m", Pooling = "max" }.Validate());

        Assert.Contains("mean|cls|tokens|pernucleotide", e.Message);
    }
}
