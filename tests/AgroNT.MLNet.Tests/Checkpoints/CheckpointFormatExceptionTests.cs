using AgroNT.MLNet.Checkpoints;

namespace AgroNT.MLNet.Tests.Checkpoints;

public sealed class CheckpointFormatExceptionTests
{
    [Fact]
    public void Message_FileAndProblem_StartsWithThePath()
    {
        var error = new CheckpointFormatException("/models/x/model.safetensors", "the header is corrupt.");

        Assert.Equal("/models/x/model.safetensors: the header is corrupt.", error.Message);
        Assert.Equal("/models/x/model.safetensors", error.FilePath);
        Assert.IsAssignableFrom<FormatException>(error);
    }

    [Fact]
    public void InnerException_Given_IsKept()
    {
        var inner = new InvalidOperationException("json");

        var error = new CheckpointFormatException("f", "p", inner);

        Assert.Same(inner, error.InnerException);
    }
}
