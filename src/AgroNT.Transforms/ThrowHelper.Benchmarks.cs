using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using AgroNT.Transforms.Sequences;

namespace AgroNT.Transforms;

internal static partial class ThrowHelper
{
    [DoesNotReturn]
    public static void ThrowLabelCount(string path, long line, string name, int actual, int expected, string expectation) =>
        throw new SequenceFormatException(path, line, string.Create(CultureInfo.InvariantCulture,
            $"record '{name}' has {actual} label{(actual == 1 ? "" : "s")} but {expectation} {expected}.") + " "
            + "Check that the file belongs to this task (a multi-label or multi-output header is 'name|l1|...|lK').");

    [DoesNotReturn]
    public static void ThrowNotZeroOne(string path, long line, string name, int field, float value, string problem) =>
        throw new SequenceFormatException(path, line, string.Create(CultureInfo.InvariantCulture,
            $"record '{name}' has label {field} = {value}, but a {problem} label must be 0 or 1.") + " "
            + "Is the task regression? Load it with ProblemType.Regression or MultiOutputRegression.");
}
