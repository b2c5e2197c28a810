using AgroNT.Transforms.Embeddings;

namespace AgroNT.Transforms.Tests.Embeddings;

public sealed class ComputeDeviceTests
{
    [Theory]
    [InlineData("cpu", false, 0, "cpu")]
    [InlineData(" CPU ", false, 0, "cpu")]
    [InlineData("cuda", true, 0, "cuda:0")]
    [InlineData("cuda:3", true, 3, "cuda:3")]
    [InlineData("CUDA:12", true, 12, "cuda:12")]
    public void Parse_AcceptedForms_RoundTripToTorchNames(string text, bool isCuda, int index, string canonical)
    {
        var device = ComputeDevice.Parse(text);

        Assert.Equal(isCuda, device.IsCuda);
        Assert.Equal(index, device.Index);
        Assert.Equal(canonical, device.ToString());
        Assert.Equal(device, ComputeDevice.Parse(device.ToString()));
    }

    [Theory]
    [InlineData("gpu")]
    [InlineData("cuda:")]
    [InlineData("cuda:-1")]
    [InlineData("cuda:x")]
    [InlineData("")]
    public void Parse_OtherText_ListsTheAcceptedForms(string text)
    {
        var error = Assert.Throws<FormatException>(() => ComputeDevice.Parse(text));

        Assert.Contains("cpu, cuda or cuda:N", error.Message, StringComparison.Ordinal);
    }
}
