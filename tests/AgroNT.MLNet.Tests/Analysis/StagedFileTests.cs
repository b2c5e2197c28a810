using AgroNT.MLNet.Analysis;

namespace AgroNT.MLNet.Tests.Analysis;

public sealed class StagedFileTests
{
    [Fact]
    public void Create_AbandonedTemporaryOfTheSameDestination_IsRemovedButALiveWritersIsKept()
    {
        using var folder = new TemporaryFolder();
        string destination = folder.File("scores.tsv");
        string abandoned = destination + ".tmp-0123456789ab";
        string foreign = destination + ".tmp-notours";
        string otherDestination = folder.File("other.tsv") + ".tmp-0123456789ab";
        File.WriteAllText(abandoned, "half a table");
        File.WriteAllText(foreign, "x");
        File.WriteAllText(otherDestination, "x");

        using StagedFile live = StagedFile.Create(destination);
        Assert.False(File.Exists(abandoned));
        using StagedFile second = StagedFile.Create(destination);

        Assert.True(File.Exists(live.TemporaryPath));
        Assert.True(File.Exists(second.TemporaryPath));
        Assert.True(File.Exists(foreign));
        Assert.True(File.Exists(otherDestination));
        live.Stream.WriteByte((byte)'a');
        live.Commit();
        Assert.Equal("a", File.ReadAllText(destination));
    }
}
