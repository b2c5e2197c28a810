using System.IO.Compression;
using AgroNT.MLNet.Checkpoints;
using AgroNT.MLNet.Tests.Checkpoints.Support;
using static TorchSharp.torch;

namespace AgroNT.MLNet.Tests.Checkpoints;

public sealed class RestrictedUnpicklerTests
{
    [Fact]
    public void Load_TinyModelPickle_YieldsAStateDictOfTensorReferences()
    {
        byte[] pickle;
        using (ZipArchive zip = ZipFile.OpenRead(TinyModel.Bin))
        using (var buffer = new MemoryStream())
        {
            zip.GetEntry("pytorch_model/data.pkl")!.Open().CopyTo(buffer);
            pickle = buffer.ToArray();
        }

        var dict = Assert.IsType<RestrictedUnpickler.Dict>(RestrictedUnpickler.Load(pickle, "f", "e"));

        Assert.Equal(TinyModel.StateDict().Select(e => e.Name), dict.Items.Select(i => (string)i.Key!));
        var first = Assert.IsType<RestrictedUnpickler.TensorReference>(dict.Items[0].Value);
        Assert.Equal(new RestrictedUnpickler.StorageReference("0", ScalarType.Float32, "cpu", 4105 * 64), first.Storage);
        Assert.Equal([4105L, 64L], first.Shape);
        Assert.Equal([64L, 1L], first.Stride);
        Assert.Equal(0, first.StorageOffset);
    }

    [Fact]
    public void Load_Protocol4WithFramesMemoizeAndStackGlobal_ReadsTheTensor()
    {
        byte[] pickle = new PickleBuilder().Proto(4).Op(0x95, 0, 0, 0, 0, 0, 0, 0, 0)
            .EmptyDict().Memoize().Mark()
            .ShortUnicode("w").Memoize()
            .StackGlobal("torch._utils", "_rebuild_tensor_v2").Memoize()
            .Mark()
                .Mark().ShortUnicode("storage").StackGlobal("torch", "BFloat16Storage").Memoize().ShortUnicode("7").ShortUnicode("cuda:0").Int(6).Op((byte)'t')
                .BinPersId()
                .Int(0).Int(2).Int(3).Tuple2().Int(3).Int(1).Tuple2().NewFalse()
                .StackGlobal("collections", "OrderedDict").EmptyTuple().Reduce()
            .Tuple().Reduce()
            .ShortUnicode("v").BinGet(2).Op((byte)'(')
                .Mark().ShortUnicode("storage").BinGet(3).ShortUnicode("7").ShortUnicode("cpu").Int(6).Tuple()
                .BinPersId().Int(1).Int(5).Tuple1().Int(1).Tuple1().NewTrue().None()
                .Global("collections", "OrderedDict").EmptyTuple().Reduce()
            .Tuple().Reduce()
            .SetItems().Stop().ToArray();

        var dict = Assert.IsType<RestrictedUnpickler.Dict>(RestrictedUnpickler.Load(pickle, "f", "e"));

        var w = Assert.IsType<RestrictedUnpickler.TensorReference>(dict.Items[0].Value);
        Assert.Equal(ScalarType.BFloat16, w.Storage.DType);
        Assert.Equal("cuda:0", w.Storage.Location);
        var v = Assert.IsType<RestrictedUnpickler.TensorReference>(dict.Items[1].Value);
        Assert.Equal(1, v.StorageOffset);
        Assert.Equal([5L], v.Shape);
    }

    [Fact]
    public void Load_OrderedDictWithMetadataState_KeepsItemsAndIgnoresTheState()
    {
        byte[] pickle = new PickleBuilder().Proto(2)
            .Global("collections", "OrderedDict").EmptyTuple().Reduce()
            .Mark().Unicode("a").Tensor("LongStorage", "0", 1, 0, [], []).SetItems()
            .EmptyDict().Unicode("_metadata").Global("collections", "OrderedDict").EmptyTuple().Reduce()
                .Unicode("").EmptyDict().Unicode("version").Int(1).SetItem().SetItem()
            .SetItem()
            .Build()
            .Stop().ToArray();

        var dict = Assert.IsType<RestrictedUnpickler.Dict>(RestrictedUnpickler.Load(pickle, "f", "e"));

        var a = Assert.IsType<RestrictedUnpickler.TensorReference>(Assert.Single(dict.Items).Value);
        Assert.Equal(ScalarType.Int64, a.Storage.DType);
        Assert.Empty(a.Shape);
    }

    [Fact]
    public void Load_PlainValues_DecodesEachOpcode()
    {
        byte[] pickle = new PickleBuilder().Proto(2).Mark()
            .Op(0x8a, 1, 0xfe)                    // LONG1 -2
            .Op((byte)'J', 0xfb, 0xff, 0xff, 0xff) // BININT -5
            .Op((byte)'G', 0x3f, 0xf8, 0, 0, 0, 0, 0, 0) // BINFLOAT 1.5
            .None().NewTrue()
            .EmptyList().Mark().Int(1).Int(300).Appends()
            .Op((byte)'C', 2, (byte)'x', (byte)'y') // SHORT_BINBYTES
            .Op((byte)'U', 2, (byte)'o', (byte)'k') // SHORT_BINSTRING
            .Int(70000).Int(1L << 40)
            .Tuple().Stop().ToArray();

        var values = Assert.IsType<object?[]>(RestrictedUnpickler.Load(pickle, "f", "e"));

        Assert.Equal(-2L, values[0]);
        Assert.Equal(-5L, values[1]);
        Assert.Equal(1.5, values[2]);
        Assert.Null(values[3]);
        Assert.Equal(true, values[4]);
        Assert.Equal([1L, 300L], Assert.IsType<List<object?>>(values[5]));
        Assert.Equal("xy"u8.ToArray(), values[6]);
        Assert.Equal("ok", values[7]);
        Assert.Equal(70000L, values[8]);
        Assert.Equal(1L << 40, values[9]);
    }

    [Theory]
    [InlineData("os", "system")]
    [InlineData("builtins", "eval")]
    [InlineData("builtins", "exec")]
    [InlineData("subprocess", "Popen")]
    [InlineData("torch", "Tensor")]
    [InlineData("collections", "defaultdict")]
    public void Load_GlobalOutsideTheAllowList_RefusesAtTheGlobalOpcode(string module, string name)
    {
        byte[] pickle = new PickleBuilder().Proto(2).Global(module, name).Stop().ToArray();

        var error = Assert.Throws<CheckpointFormatException>(() => RestrictedUnpickler.Load(pickle, "/x/pytorch_model.bin", "archive/data.pkl"));

        Assert.Contains($"refuses to load pickle global '{module}.{name}' (archive/data.pkl, byte 2)", error.Message);
        Assert.Equal("/x/pytorch_model.bin", error.FilePath);
    }

    [Fact]
    public void Load_AllowedStorageClassCalled_Refuses()
    {
        byte[] pickle = new PickleBuilder().Proto(2).Global("torch", "FloatStorage").Int(10).Tuple1().Reduce().Stop().ToArray();

        var error = Assert.Throws<CheckpointFormatException>(() => RestrictedUnpickler.Load(pickle, "f", "e"));

        Assert.Contains("torch.FloatStorage() called with 1 argument(s)", error.Message);
    }

    [Theory]
    [InlineData((byte)'i')]  // INST
    [InlineData((byte)'o')]  // OBJ
    [InlineData((byte)0x81)] // NEWOBJ
    [InlineData((byte)0x92)] // NEWOBJ_EX
    [InlineData((byte)0x82)] // EXT1
    [InlineData((byte)'P')]  // PERSID
    [InlineData((byte)'I')]  // INT (text)
    public void Load_OpcodeAStateDictNeverUses_Refuses(byte opcode)
    {
        byte[] pickle = new PickleBuilder().Proto(2).Op(opcode).Stop().ToArray();

        var error = Assert.Throws<CheckpointFormatException>(() => RestrictedUnpickler.Load(pickle, "f", "e"));

        Assert.Contains($"opcode 0x{opcode:x2} at byte 2", error.Message);
    }

    [Theory]
    [InlineData(new byte[] { 0x80, 2, (byte)'X', 100, 0, 0, 0, (byte)'a' }, "length of 100 runs past the end")]
    [InlineData(new byte[] { 0x80, 2, (byte)'J', 1 }, "ends in the middle of an opcode")]
    [InlineData(new byte[] { 0x80, 2, (byte)'K', 1, (byte)'K', 2, (byte)'.' }, "unbalanced stack")]
    [InlineData(new byte[] { 0x80, 2, (byte)'h', 3, (byte)'.' }, "memo entry 3 is read before it is written")]
    [InlineData(new byte[] { 0x80, 2, (byte)'t', (byte)'.' }, "needs a MARK")]
    [InlineData(new byte[] { 0x80, 2, (byte)'.' }, "unbalanced stack")]
    [InlineData(new byte[] { 0x80, 2, (byte)'0', (byte)'.' }, "the stack is empty")]
    [InlineData(new byte[] { 0x80, 9 }, "protocol 9")]
    [InlineData(new byte[] { 0x80, 2, (byte)'K', 1 }, "ends in the middle of an opcode")]
    public void Load_DamagedPickle_ThrowsSayingWhat(byte[] pickle, string expected)
    {
        var error = Assert.Throws<CheckpointFormatException>(() => RestrictedUnpickler.Load(pickle, "f", "e"));

        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void Load_PersistentIdThatIsNotAStorage_Refuses()
    {
        byte[] pickle = new PickleBuilder().Proto(2).Unicode("module").Tuple1().BinPersId().Stop().ToArray();

        var error = Assert.Throws<CheckpointFormatException>(() => RestrictedUnpickler.Load(pickle, "f", "e"));

        Assert.Contains("persistent id", error.Message);
    }

    [Fact]
    public void Load_StorageKeyWithPathTraversal_Refuses()
    {
        byte[] pickle = new PickleBuilder().Proto(2).EmptyDict()
            .Unicode("t").Tensor("FloatStorage", "../../etc/passwd", 1, 0, [1], [1]).SetItem().Stop().ToArray();

        var error = Assert.Throws<CheckpointFormatException>(() => RestrictedUnpickler.Load(pickle, "f", "e"));

        Assert.Contains("storage reference", error.Message);
    }
}
