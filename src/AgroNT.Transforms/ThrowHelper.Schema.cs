using System.Diagnostics.CodeAnalysis;
using Microsoft.ML;

namespace AgroNT.Transforms;

internal static partial class ThrowHelper
{
    [DoesNotReturn]
    public static void ThrowMissingColumn(string role, string columnName, IEnumerable<string> available) =>
        throw new ArgumentOutOfRangeException(
            role,
            $"The {role} '{columnName}' is not in the input schema. Expected a text column of DNA; the input has: {string.Join(", ", available.Select(n => $"'{n}'"))}.");

    [DoesNotReturn]
    public static void ThrowColumnType(string role, string columnName, string expected, string actual) =>
        throw new ArgumentOutOfRangeException(
            role,
            $"The {role} '{columnName}' has type {actual}; expected {expected}.");

    [DoesNotReturn]
    public static void ThrowGetterType(string columnName, Type requested, string actual) =>
        throw new InvalidOperationException(
            $"Column '{columnName}' holds {actual}; a getter for {requested.Name} was requested. Read it as VBuffer<int> (or int[] in a class).");

    [DoesNotReturn]
    public static void ThrowInactiveColumn(string columnName) =>
        throw new InvalidOperationException($"Column '{columnName}' was not requested when the cursor or row was created; include it in the active columns.");

    public static string DescribeType(DataViewSchema.Column column) => column.Type.ToString() ?? column.Type.GetType().Name;
}
