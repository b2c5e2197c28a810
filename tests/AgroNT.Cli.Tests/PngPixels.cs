using SkiaSharp;

namespace AgroNT.Cli.Tests;

/// <summary>Pixel checks on written PNG charts: colours present in a region, ink (non-background) in a region.</summary>
internal sealed class PngPixels : IDisposable
{
    private readonly SKBitmap _bitmap;

    public PngPixels(string path)
    {
        _bitmap = SKBitmap.Decode(File.ReadAllBytes(path)) ?? throw new InvalidDataException($"{path} is not a decodable image.");
    }

    public int Width => _bitmap.Width;

    public int Height => _bitmap.Height;

    public SKColor this[int x, int y] => _bitmap.GetPixel(x, y);

    /// <summary>Pixels within a small distance of <paramref name="rgb"/> inside the fractional rectangle (anti-aliasing blends edges, not centres).</summary>
    public int CountNear(int rgb, double left = 0, double top = 0, double right = 1, double bottom = 1, int tolerance = 12)
    {
        int count = 0;
        foreach (var (x, y) in Region(left, top, right, bottom))
        {
            SKColor p = _bitmap.GetPixel(x, y);
            if (Math.Abs(p.Red - (rgb >> 16 & 0xFF)) + Math.Abs(p.Green - (rgb >> 8 & 0xFF)) + Math.Abs(p.Blue - (rgb & 0xFF)) <= tolerance)
            {
                count++;
            }
        }
        return count;
    }

    /// <summary>Dark pixels (text, axis lines, ticks: every channel below 100) inside the fractional rectangle.</summary>
    public int CountDark(double left, double top, double right, double bottom) =>
        Region(left, top, right, bottom).Count(q => _bitmap.GetPixel(q.X, q.Y) is var p && p.Red < 100 && p.Green < 100 && p.Blue < 100);

    /// <summary>Distinct colours (quantised to 4 bits a channel) inside the fractional rectangle.</summary>
    public int DistinctColours(double left, double top, double right, double bottom) =>
        Region(left, top, right, bottom).Select(q => _bitmap.GetPixel(q.X, q.Y)).Select(p => (p.Red >> 4, p.Green >> 4, p.Blue >> 4)).Distinct().Count();

    public void Dispose() => _bitmap.Dispose();

    private IEnumerable<(int X, int Y)> Region(double left, double top, double right, double bottom)
    {
        int x0 = (int)(left * Width), x1 = (int)(right * Width), y0 = (int)(top * Height), y1 = (int)(bottom * Height);
        for (int y = y0; y < y1; y++)
        {
            for (int x = x0; x < x1; x++)
            {
                yield return (x, y);
            }
        }
    }
}
