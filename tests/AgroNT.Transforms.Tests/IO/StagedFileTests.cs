using AgroNT.Transforms.IO;

namespace AgroNT.Transforms.Tests.IO;

public sealed class StagedFileTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("agront-staged-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string File(string name) => Path.Combine(_folder, name);

    [Fact]
    public void Write_WriterThrows_LeavesTheOldFileAndNoTemporary()
    {
        string destination = File("model.json");
        System.IO.File.WriteAllText(destination, "old");

        Assert.Throws<InvalidOperationException>(() => StagedFile.Write(destination, stream =>
        {
            stream.Write("new, half"u8);
            throw new InvalidOperationException("disk full");
        }));

        Assert.Equal("old", System.IO.File.ReadAllText(destination));
        Assert.Equal([destination], Directory.GetFiles(_folder));
    }

    [Fact]
    public void WriteAllText_NewFolder_CreatesItAndWritesUtf8WithoutBom()
    {
        string destination = Path.Combine(_folder, "refs", "main");

        StagedFile.WriteAllText(destination, "0123abc\u00e9");

        Assert.Equal("0123abc\u00e9"u8.ToArray(), System.IO.File.ReadAllBytes(destination));
    }

    [Fact]
    public void Create_AbandonedTemporaryOfTheSameDestination_IsRemovedButALiveWritersIsKept()
    {
        string destination = File("scores.tsv");
        string abandoned = destination + ".tmp-0123456789ab";
        string foreign = destination + ".tmp-notours";
        string otherDestination = File("other.tsv") + ".tmp-0123456789ab";
        System.IO.File.WriteAllText(abandoned, "half a table");
        System.IO.File.WriteAllText(foreign, "x");
        System.IO.File.WriteAllText(otherDestination, "x");

        using StagedFile live = StagedFile.Create(destination);
        Assert.False(System.IO.File.Exists(abandoned));
        using StagedFile second = StagedFile.Create(destination);

        Assert.True(System.IO.File.Exists(live.TemporaryPath));
        Assert.True(System.IO.File.Exists(second.TemporaryPath));
        Assert.True(System.IO.File.Exists(foreign));
        Assert.True(System.IO.File.Exists(otherDestination));
        live.Stream.WriteByte((byte)'a');
        live.Commit();
        Assert.Equal("a", System.IO.File.ReadAllText(destination));
    }
}
