using System.Buffers.Binary;
using System.Text;

namespace AgroNT.MLNet.Tests.Checkpoints.Support;

/// <summary>Writes pickle opcodes by hand, the way torch.save's protocol-2 pickler emits a state dict.</summary>
internal sealed class PickleBuilder
{
    private readonly List<byte> _bytes = [];

    public PickleBuilder Op(params byte[] bytes)
    {
        _bytes.AddRange(bytes);
        return this;
    }

    public PickleBuilder Proto(byte version) => Op(0x80, version);
    public PickleBuilder Mark() => Op((byte)'(');
    public PickleBuilder EmptyDict() => Op((byte)'}');
    public PickleBuilder EmptyTuple() => Op((byte)')');
    public PickleBuilder EmptyList() => Op((byte)']');
    public PickleBuilder Tuple() => Op((byte)'t');
    public PickleBuilder Tuple1() => Op(0x85);
    public PickleBuilder Tuple2() => Op(0x86);
    public PickleBuilder Tuple3() => Op(0x87);
    public PickleBuilder Reduce() => Op((byte)'R');
    public PickleBuilder Build() => Op((byte)'b');
    public PickleBuilder BinPersId() => Op((byte)'Q');
    public PickleBuilder SetItem() => Op((byte)'s');
    public PickleBuilder SetItems() => Op((byte)'u');
    public PickleBuilder Appends() => Op((byte)'e');
    public PickleBuilder NewFalse() => Op(0x89);
    public PickleBuilder NewTrue() => Op(0x88);
    public PickleBuilder None() => Op((byte)'N');
    public PickleBuilder Stop() => Op((byte)'.');
    public PickleBuilder Memoize() => Op(0x94);
    public PickleBuilder BinPut(byte index) => Op((byte)'q', index);
    public PickleBuilder BinGet(byte index) => Op((byte)'h', index);

    public PickleBuilder Global(string module, string name) => Op((byte)'c').Op(Encoding.ASCII.GetBytes($"{module}\n{name}\n"));

    public PickleBuilder StackGlobal(string module, string name) => ShortUnicode(module).ShortUnicode(name).Op(0x93);

    public PickleBuilder Unicode(string text)
    {
        byte[] utf8 = Encoding.UTF8.GetBytes(text);
        var length = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(length, (uint)utf8.Length);
        return Op((byte)'X').Op(length).Op(utf8);
    }

    public PickleBuilder ShortUnicode(string text)
    {
        byte[] utf8 = Encoding.UTF8.GetBytes(text);
        return Op(0x8c, (byte)utf8.Length).Op(utf8);
    }

    public PickleBuilder Int(long value)
    {
        if (value is >= 0 and < 256)
        {
            return Op((byte)'K', (byte)value);
        }
        if (value is >= 0 and < 65536)
        {
            return Op((byte)'M', (byte)value, (byte)(value >> 8));
        }
        if (value is >= int.MinValue and <= int.MaxValue)
        {
            var bytes = new byte[4];
            BinaryPrimitives.WriteInt32LittleEndian(bytes, (int)value);
            return Op((byte)'J').Op(bytes);
        }
        var wide = new byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(wide, value);
        return Op(0x8a, 8).Op(wide);
    }

    public PickleBuilder Ints(long[] values)
    {
        Mark();
        foreach (long value in values)
        {
            Int(value);
        }
        return Tuple();
    }

    /// <summary>
    /// <c>_rebuild_tensor_v2(('storage', torch.&lt;storageClass&gt;, key, 'cpu', numel), offset, shape, stride, False, OrderedDict())</c>,
    /// with the globals named inline as torch's pickler does on first use.
    /// </summary>
    public PickleBuilder Tensor(string storageClass, string key, long storageElements, long offset, long[] shape, long[] stride) =>
        Global("torch._utils", "_rebuild_tensor_v2")
            .Mark()
                .Mark().Unicode("storage").Global("torch", storageClass).Unicode(key).Unicode("cpu").Int(storageElements).Tuple()
                .BinPersId()
                .Int(offset).Ints(shape).Ints(stride).NewFalse()
                .Global("collections", "OrderedDict").EmptyTuple().Reduce()
            .Tuple()
            .Reduce();

    public byte[] ToArray() => [.. _bytes];
}
