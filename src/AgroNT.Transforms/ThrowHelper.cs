using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace AgroNT.Transforms;

/// <summary>
/// The one place where AgroNT.Transforms builds and throws its exceptions, so that messages stay consistent and the
/// hot paths that call it stay small enough to inline. Partial: each feature folder adds its own throw methods in a
/// <c>ThrowHelper.&lt;Feature&gt;.cs</c> file beside its code.
/// </summary>
[StackTraceHidden]
internal static partial class ThrowHelper
{
    [DoesNotReturn]
    public static void ThrowArgumentOutOfRange(string paramName, object? actualValue, string message) =>
        throw new ArgumentOutOfRangeException(paramName, actualValue, message);

    [DoesNotReturn]
    public static void ThrowArgument(string paramName, string message) => throw new ArgumentException(message, paramName);

    [DoesNotReturn]
    public static void ThrowInvalidData(string message) => throw new InvalidDataException(message);

    [DoesNotReturn]
    public static void ThrowInvalidOperation(string message) => throw new InvalidOperationException(message);

    /// <summary>A character as a reader can see it in a message: the glyph when printable, and always its code point.</summary>
    public static string DescribeChar(char c) =>
        char.IsControl(c) || char.IsWhiteSpace(c) || char.IsSurrogate(c)
            ? string.Create(CultureInfo.InvariantCulture, $"U+{(int)c:X4}")
            : string.Create(CultureInfo.InvariantCulture, $"'{c}' (U+{(int)c:X4})");
}
