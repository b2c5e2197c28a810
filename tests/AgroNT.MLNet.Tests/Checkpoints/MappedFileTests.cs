using AgroNT.MLNet.Checkpoints;
using AgroNT.MLNet.Tests.Checkpoints.Support;

namespace AgroNT.MLNet.Tests.Checkpoints;

public sealed class MappedFileTests
{
    [Theory]
    [InlineData(0, 8)]
    [InlineData(4097, 3)]
    [InlineData(2_670_968 - 5, 5)]
    public void ReadBytes_AnyOffset_ReturnsTheFilesBytes(long offset, int length)
    {
        byte[] expected = File.ReadAllBytes(TinyModel.SafeTensors).AsSpan((int)offset, length).ToArray();
        using MappedFile file = MappedFile.Open(TinyModel.SafeTensors);

        Assert.Equal(expected, file.ReadBytes(offset, length));
        Assert.Equal(2_670_968, file.Length);
        Assert.Equal(Path.GetFullPath(TinyModel.SafeTensors), file.Path);
    }

    [Theory]
    [InlineData(-1, 4)]
    [InlineData(2_670_968 - 3, 4)]
    [InlineData(0, -1)]
    public void Map_RangeOutsideTheFile_ThrowsNamingIt(long offset, long length)
    {
        using MappedFile file = MappedFile.Open(TinyModel.SafeTensors);

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => file.Map(offset, length));

        Assert.Contains(file.Path, error.Message);
    }

    [Fact]
    public void Map_ZeroLength_ReturnsAnEmptyWindow()
    {
        using MappedFile file = MappedFile.Open(TinyModel.SafeTensors);
        using MappedWindow window = file.Map(100, 0);

        Assert.Equal(0, window.Length);
        Assert.True(window.Span.IsEmpty);
    }

    [Fact]
    public void Map_WindowDisposed_UnmapsItsPages()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }
        using var temp = new TempFolder();
        string path = temp.File("unique-" + Guid.NewGuid().ToString("N") + ".bin");
        File.WriteAllBytes(path, new byte[1 << 20]);
        using MappedFile file = MappedFile.Open(path);

        MappedWindow window = file.Map(12345, 100_000);
        bool mappedWhileOpen = File.ReadAllText("/proc/self/maps").Contains(path, StringComparison.Ordinal);
        window.Dispose();
        bool mappedAfterDispose = File.ReadAllText("/proc/self/maps").Contains(path, StringComparison.Ordinal);

        // What keeps a 4 GB load's resident memory at one window: pages leave the process when their window closes.
        Assert.True(mappedWhileOpen);
        Assert.False(mappedAfterDispose);
    }

    [Fact]
    public void Open_EmptyFile_ThrowsCheckpointFormat()
    {
        using var temp = new TempFolder();
        File.WriteAllBytes(temp.File("empty.bin"), []);

        var error = Assert.Throws<CheckpointFormatException>(() => MappedFile.Open(temp.File("empty.bin")));

        Assert.Contains("empty (0 bytes)", error.Message);
    }

    [Fact]
    public void Map_AfterDispose_ThrowsObjectDisposed()
    {
        MappedFile file = MappedFile.Open(TinyModel.SafeTensors);
        file.Dispose();

        Assert.Throws<ObjectDisposedException>(() => file.Map(0, 8));
    }
}
