using Microsoft.Data.Analysis;

namespace AgroNT.MLNet.DataFrames;

/// <summary>Which rows a <see cref="DataFrameJoins.Join"/> keeps.</summary>
public enum JoinKind
{
    /// <summary>Every row of the left frame, in its order; metadata columns are null where no right row matches.</summary>
    Left,

    /// <summary>Only the left rows whose key has a right row, in the left frame's order.</summary>
    Inner,
}

/// <summary>What a <see cref="DataFrameJoins.Join"/> does when one key appears on several rows of the right (metadata) frame.</summary>
public enum DuplicateKeyPolicy
{
    /// <summary>Throw, naming the key and the rows (the default: a duplicated name in a metadata table is usually a mistake).</summary>
    Error,

    /// <summary>Use the first right row with the key.</summary>
    KeepFirst,

    /// <summary>Use the last right row with the key.</summary>
    KeepLast,
}

/// <summary>
/// Joins analysis tables with metadata by a key column, such as predictions or embeddings with a table of sequence
/// annotations by sequence name. Unlike <c>DataFrame.Merge</c>, a left row never multiplies: each left row matches at most one
/// right row (<see cref="DuplicateKeyPolicy"/>), the key column appears once, and a column present on both sides is an error
/// rather than a silent <c>_left</c>/<c>_right</c> rename.
/// </summary>
public static class DataFrameJoins
{
    /// <summary>Adds the columns of <paramref name="right"/> to the rows of <paramref name="left"/> with an equal key.</summary>
    /// <param name="left">The main table (its rows and order are kept).</param>
    /// <param name="right">The metadata table.</param>
    /// <param name="keyColumnName">The key column of <paramref name="left"/>.</param>
    /// <param name="rightKeyColumnName">The key column of <paramref name="right"/>; <see langword="null"/> = the same name. It is not copied.</param>
    /// <param name="kind">Left (keep every left row) or inner (keep matched rows).</param>
    /// <param name="duplicates">What to do with a key on several right rows.</param>
    /// <returns>A new frame: the left columns, then the right columns except its key.</returns>
    /// <exception cref="ArgumentException">A key column is missing, the key columns differ in type, a non-key column is on both sides, or a duplicate key meets <see cref="DuplicateKeyPolicy.Error"/>.</exception>
    public static DataFrame Join(DataFrame left, DataFrame right, string keyColumnName, string? rightKeyColumnName = null,
        JoinKind kind = JoinKind.Left, DuplicateKeyPolicy duplicates = DuplicateKeyPolicy.Error)
    {
        ArgumentNullException.ThrowIfNull(left);
        ArgumentNullException.ThrowIfNull(right);
        ArgumentException.ThrowIfNullOrEmpty(keyColumnName);
        rightKeyColumnName ??= keyColumnName;
        var leftKey = FindKey(left, keyColumnName, "left", nameof(keyColumnName));
        var rightKey = FindKey(right, rightKeyColumnName, "right", nameof(rightKeyColumnName));
        if (leftKey.DataType != rightKey.DataType)
        {
            throw new ArgumentException(
                $"The key columns have different types: left '{keyColumnName}' is {leftKey.DataType.Name}, right '{rightKeyColumnName}' is " +
                $"{rightKey.DataType.Name}; convert one so that equal keys compare equal.", nameof(rightKeyColumnName));
        }
        var leftNames = left.Columns.Select(c => c.Name).ToHashSet(StringComparer.Ordinal);
        var clash = right.Columns.Where(c => c.Name != rightKeyColumnName && leftNames.Contains(c.Name)).Select(c => c.Name).ToList();
        if (clash.Count > 0)
        {
            throw new ArgumentException(
                $"Both tables have the column{(clash.Count > 1 ? "s" : "")} {string.Join(", ", clash.Select(n => $"'{n}'"))}; rename one side " +
                "(DataFrameColumn.SetName) or remove it before joining.", nameof(right));
        }

        var rowsByKey = new Dictionary<object, long>();
        for (long row = 0; row < right.Rows.Count; row++)
        {
            object? key = rightKey[row];
            if (key is null)
            {
                continue;
            }
            if (rowsByKey.TryGetValue(key, out long first))
            {
                switch (duplicates)
                {
                    case DuplicateKeyPolicy.Error:
                        throw new ArgumentException(
                            $"The key '{key}' is on rows {first} and {row} of the right table's column '{rightKeyColumnName}'. Remove the " +
                            "duplicates, or pass DuplicateKeyPolicy.KeepFirst or KeepLast.", nameof(duplicates));
                    case DuplicateKeyPolicy.KeepLast:
                        rowsByKey[key] = row;
                        break;
                }
                continue;
            }
            rowsByKey[key] = row;
        }

        var leftRows = new List<long?>();
        var rightRows = new List<long?>();
        for (long row = 0; row < left.Rows.Count; row++)
        {
            object? key = leftKey[row];
            if (key is not null && rowsByKey.TryGetValue(key, out long match))
            {
                leftRows.Add(row);
                rightRows.Add(match);
            }
            else if (kind == JoinKind.Left)
            {
                leftRows.Add(row);
                rightRows.Add(null);
            }
        }
        var columns = left.Columns.Select(c => Take(c, leftRows))
            .Concat(right.Columns.Where(c => c.Name != rightKeyColumnName).Select(c => Take(c, rightRows)));
        return new DataFrame(columns);
    }

    /// <summary>A new column of the same type holding <paramref name="column"/>'s values at <paramref name="rows"/> (null where a row is null).</summary>
    internal static DataFrameColumn Take(DataFrameColumn column, IReadOnlyList<long?> rows) => column switch
    {
        StringDataFrameColumn c => new StringDataFrameColumn(c.Name, rows.Select(r => r is long i ? c[i] : null)),
        BooleanDataFrameColumn c => new BooleanDataFrameColumn(c.Name, rows.Select(r => r is long i ? c[i] : null)),
        SingleDataFrameColumn c => new SingleDataFrameColumn(c.Name, rows.Select(r => r is long i ? c[i] : null)),
        DoubleDataFrameColumn c => new DoubleDataFrameColumn(c.Name, rows.Select(r => r is long i ? c[i] : null)),
        Int32DataFrameColumn c => new Int32DataFrameColumn(c.Name, rows.Select(r => r is long i ? c[i] : null)),
        Int64DataFrameColumn c => new Int64DataFrameColumn(c.Name, rows.Select(r => r is long i ? c[i] : null)),
        PrimitiveDataFrameColumn<bool> c => new BooleanDataFrameColumn(c.Name, rows.Select(r => r is long i ? c[i] : null)),
        PrimitiveDataFrameColumn<float> c => new SingleDataFrameColumn(c.Name, rows.Select(r => r is long i ? c[i] : null)),
        PrimitiveDataFrameColumn<double> c => new DoubleDataFrameColumn(c.Name, rows.Select(r => r is long i ? c[i] : null)),
        PrimitiveDataFrameColumn<int> c => new Int32DataFrameColumn(c.Name, rows.Select(r => r is long i ? c[i] : null)),
        PrimitiveDataFrameColumn<long> c => new Int64DataFrameColumn(c.Name, rows.Select(r => r is long i ? c[i] : null)),
        VBufferDataFrameColumn<float> c => TakeVectors(c, rows),
        _ => throw new NotSupportedException(
            $"Column '{column.Name}' has type {column.DataType.Name}, which joins and summaries do not copy; convert it to text, Boolean, Single, Double, Int32, Int64 or a Single vector."),
    };

    private static VBufferDataFrameColumn<float> TakeVectors(VBufferDataFrameColumn<float> column, IReadOnlyList<long?> rows)
    {
        var result = new VBufferDataFrameColumn<float>(column.Name);
        foreach (long? row in rows)
        {
            // A vector column has no null: an unmatched row gets an empty vector.
            result.Append(row is long i ? column[i] : default);
        }
        return result;
    }

    private static DataFrameColumn FindKey(DataFrame frame, string name, string side, string parameter)
    {
        int index = frame.Columns.IndexOf(name);
        if (index < 0)
        {
            throw new ArgumentException(
                $"The {side} table has no key column '{name}'; its columns are {string.Join(", ", frame.Columns.Select(c => $"'{c.Name}'"))}.", parameter);
        }
        return frame.Columns[index];
    }
}
