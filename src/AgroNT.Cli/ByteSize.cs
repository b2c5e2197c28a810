using System.Globalization;

namespace AgroNT.Cli;

/// <summary>Human-readable byte counts in decimal units, as the Hub shows file sizes (3.97 GB).</summary>
internal static class ByteSize
{
    private static readonly string[] s_units = ["B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"];

    public static string Format(double bytes)
    {
        double value = bytes;
        int unit = 0;
        while (value >= 1000 && unit < s_units.Length - 1)
        {
            value /= 1000;
            unit++;
        }
        return unit == 0
            ? string.Create(CultureInfo.InvariantCulture, $"{bytes:0} B")
            : string.Create(CultureInfo.InvariantCulture, $"{value:0.##} {s_units[unit]}");
    }
}
