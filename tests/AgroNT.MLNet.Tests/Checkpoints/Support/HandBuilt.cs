using System.Buffers.Binary;
using System.Text;

namespace AgroNT.MLNet.Tests.Checkpoints.Support;

/// <summary>Weight-file bytes assembled by hand in the tests, independent of the library's readers and writer.</summary>
internal static class HandBuilt
{
    /// <summary>A safetensors file: 8-byte length, the JSON header as given (padded to 8), then the data blocks in order.</summary>
    public static byte[] SafeTensors(string metadataJson, params (string Name, string DType, long[] Shape, byte[] Data)[] tensors)
    {
        var header = new StringBuilder("{");
        if (metadataJson.Length > 0)
        {
            header.Append("\"__metadata__\":").Append(metadataJson);
        }
        long offset = 0;
        foreach ((string name, string dtype, long[] shape, byte[] data) in tensors)
        {
            if (header.Length > 1)
            {
                header.Append(',');
            }
            header.Append($"\"{name}\":{{\"dtype\":\"{dtype}\",\"shape\":[{string.Join(",", shape)}],\"data_offsets\":[{offset},{offset + data.Length}]}}");
            offset += data.Length;
        }
        header.Append('}');
        while ((header.Length + 8) % 8 != 0)
        {
            header.Append(' ');
        }
        return SafeTensorsRaw(Encoding.UTF8.GetBytes(header.ToString()), tensors.SelectMany(t => t.Data).ToArray());
    }

    /// <summary>A safetensors file from a raw header (which may be corrupt on purpose) and data.</summary>
    public static byte[] SafeTensorsRaw(byte[] header, byte[] data)
    {
        var bytes = new byte[8 + header.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)header.Length);
        header.CopyTo(bytes, 8);
        data.CopyTo(bytes, 8 + header.Length);
        return bytes;
    }

    public static byte[] Floats(params float[] values)
    {
        var bytes = new byte[values.Length * 4];
        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * 4), values[i]);
        }
        return bytes;
    }

    /// <summary>bf16 by hand: round-to-nearest-even on the top 16 bits of the float (no NaNs in the tests).</summary>
    public static ushort RoundToBFloat16(float value)
    {
        uint bits = BitConverter.SingleToUInt32Bits(value);
        return (ushort)((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16);
    }

    public static float BFloat16ToSingle(ushort bits) => BitConverter.UInt32BitsToSingle((uint)bits << 16);

    public static byte[] UInt16s(IEnumerable<ushort> values)
    {
        var list = values.ToList();
        var bytes = new byte[list.Count * 2];
        for (int i = 0; i < list.Count; i++)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(i * 2), list[i]);
        }
        return bytes;
    }
}
