using AgroNT.MLNet.Checkpoints;
using static TorchSharp.torch;

namespace AgroNT.MLNet.Tests.Checkpoints;

public sealed class CheckpointDTypesTests
{
    [Theory]
    [InlineData("F64", ScalarType.Float64, 8)]
    [InlineData("F32", ScalarType.Float32, 4)]
    [InlineData("F16", ScalarType.Float16, 2)]
    [InlineData("BF16", ScalarType.BFloat16, 2)]
    [InlineData("I64", ScalarType.Int64, 8)]
    [InlineData("I32", ScalarType.Int32, 4)]
    [InlineData("I16", ScalarType.Int16, 2)]
    [InlineData("I8", ScalarType.Int8, 1)]
    [InlineData("U8", ScalarType.Byte, 1)]
    [InlineData("BOOL", ScalarType.Bool, 1)]
    public void SafeTensorsName_EverySupportedType_RoundTrips(string name, ScalarType dtype, int size)
    {
        Assert.True(CheckpointDTypes.TryParseSafeTensors(name, out ScalarType parsed));
        Assert.Equal(dtype, parsed);
        Assert.Equal(name, CheckpointDTypes.ToSafeTensorsName(dtype));
        Assert.Equal(size, CheckpointDTypes.ElementSize(dtype));
    }

    [Theory]
    [InlineData("U16")]
    [InlineData("U64")]
    [InlineData("F8_E4M3")]
    [InlineData("f32")]
    public void TryParseSafeTensors_TypeTorchSharpCannotHold_ReturnsFalse(string name)
    {
        Assert.False(CheckpointDTypes.TryParseSafeTensors(name, out _));
    }

    [Theory]
    [InlineData("FloatStorage", ScalarType.Float32)]
    [InlineData("HalfStorage", ScalarType.Float16)]
    [InlineData("BFloat16Storage", ScalarType.BFloat16)]
    [InlineData("DoubleStorage", ScalarType.Float64)]
    [InlineData("LongStorage", ScalarType.Int64)]
    [InlineData("IntStorage", ScalarType.Int32)]
    [InlineData("ShortStorage", ScalarType.Int16)]
    [InlineData("CharStorage", ScalarType.Int8)]
    [InlineData("ByteStorage", ScalarType.Byte)]
    [InlineData("BoolStorage", ScalarType.Bool)]
    public void TryParseStorageClass_TorchStorageClass_MapsToItsType(string name, ScalarType dtype)
    {
        Assert.True(CheckpointDTypes.TryParseStorageClass(name, out ScalarType parsed));
        Assert.Equal(dtype, parsed);
    }

    [Fact]
    public void TryParseStorageClass_UntypedStorage_ReturnsFalse()
    {
        Assert.False(CheckpointDTypes.TryParseStorageClass("UntypedStorage", out _));
    }

    [Fact]
    public void ToSafeTensorsName_Complex_ThrowsNotSupported()
    {
        Assert.Throws<NotSupportedException>(() => CheckpointDTypes.ToSafeTensorsName(ScalarType.ComplexFloat32));
    }
}
