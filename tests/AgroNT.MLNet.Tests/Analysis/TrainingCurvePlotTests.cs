using System.Buffers.Binary;
using System.IO.Compression;
using AgroNT.MLNet.Analysis;
using AgroNT.MLNet.Training.FineTuning;

namespace AgroNT.MLNet.Tests.Analysis;

public sealed class TrainingCurvePlotTests
{
    [Fact]
    public void Render_TwoSeries_IsAValidPngHoldingBothColours()
    {
        var series = new[]
        {
            new PlotSeries("train", [(0, 1.0), (10, 0.5), (20, 0.25)], 0x1F77B4),
            new PlotSeries("validation", [(10, 0.7), (20, 0.6)], 0xFF7F0E),
        };

        byte[] png = TrainingCurvePlot.Render(series, 200, 150);
        var (width, height, pixels) = Decode(png);

        Assert.Equal((200, 150), (width, height));
        Assert.Contains(0x1F77B4, pixels);
        Assert.Contains(0xFF7F0E, pixels);
        Assert.Contains(0x000000, pixels);
        Assert.Equal(0xFFFFFF, pixels[0]);
    }

    [Fact]
    public void Save_History_WritesAFile_EvenWithoutValidationPoints()
    {
        string path = Path.Combine(Path.GetTempPath(), $"curve-{Guid.NewGuid():N}.png");
        var history = new FineTuningHistory([new TrainingCurvePoint(1, 1, 0.7, null, null), new TrainingCurvePoint(2, 1, 0.6, null, null)], "auroc", 2, 2, null, false, TimeSpan.Zero);
        try
        {
            TrainingCurvePlot.Save(path, history);

            var (width, _, pixels) = Decode(File.ReadAllBytes(path));
            Assert.Equal(640, width);
            Assert.Contains(0x1F77B4, pixels);
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>Table-driven CRC-32 (polynomial 0xEDB88320), as the PNG specification's sample code computes it.</summary>
    private static uint Crc32(ReadOnlySpan<byte> bytes)
    {
        var table = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            uint c = n;
            for (int k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            }
            table[n] = c;
        }
        uint crc = 0xFFFFFFFFu;
        foreach (byte b in bytes)
        {
            crc = table[(crc ^ b) & 0xFF] ^ (crc >> 8);
        }
        return crc ^ 0xFFFFFFFFu;
    }

    /// <summary>Reads back an 8-bit RGB PNG with filter 0 rows, checking each chunk's CRC-32.</summary>
    private static (int Width, int Height, int[] Pixels) Decode(byte[] png)
    {
        Assert.Equal([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], png[..8]);
        int at = 8, width = 0, height = 0;
        using var idat = new MemoryStream();
        while (at < png.Length)
        {
            int length = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(at));
            string type = System.Text.Encoding.ASCII.GetString(png, at + 4, 4);
            var data = png.AsSpan(at + 8, length);
            Assert.Equal(Crc32(png.AsSpan(at + 4, length + 4)), BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(at + 8 + length)));
            if (type == "IHDR")
            {
                width = BinaryPrimitives.ReadInt32BigEndian(data);
                height = BinaryPrimitives.ReadInt32BigEndian(data[4..]);
                Assert.Equal([8, 2, 0, 0, 0], data[8..].ToArray());
            }
            else if (type == "IDAT")
            {
                idat.Write(data);
            }
            at += 12 + length;
        }
        idat.Position = 0;
        using var zlib = new ZLibStream(idat, CompressionMode.Decompress);
        using var raw = new MemoryStream();
        zlib.CopyTo(raw);
        byte[] bytes = raw.ToArray();
        Assert.Equal(height * (1 + width * 3), bytes.Length);
        var pixels = new int[width * height];
        for (int y = 0; y < height; y++)
        {
            Assert.Equal(0, bytes[y * (1 + width * 3)]);
            for (int x = 0; x < width; x++)
            {
                int p = y * (1 + width * 3) + 1 + x * 3;
                pixels[y * width + x] = bytes[p] << 16 | bytes[p + 1] << 8 | bytes[p + 2];
            }
        }
        return (width, height, pixels);
    }
}
