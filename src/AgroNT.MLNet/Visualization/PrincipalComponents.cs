using TorchSharp;
using static TorchSharp.torch;

namespace AgroNT.MLNet.Visualization;

/// <summary>
/// Principal component analysis of fixed-length rows (such as pooled embeddings), for 2-D or 3-D views: the exact
/// eigen-decomposition of the sample covariance (divisor n - 1) in double precision. Each component's sign is fixed so
/// that its largest-magnitude loading is positive, so results do not depend on the solver.
/// </summary>
public sealed class PrincipalComponents
{
    private PrincipalComponents(double[] mean, double[][] components, double[] variance, double totalVariance)
    {
        Mean = mean;
        Components = components;
        ExplainedVariance = variance;
        ExplainedVarianceRatio = [.. variance.Select(v => totalVariance == 0 ? 0 : v / totalVariance)];
    }

    /// <summary>The mean row, subtracted before projecting.</summary>
    public IReadOnlyList<double> Mean { get; }

    /// <summary>The unit-length component directions, largest variance first; each has as many values as a row.</summary>
    public IReadOnlyList<double[]> Components { get; }

    /// <summary>The variance of the data along each component (an eigenvalue of the covariance).</summary>
    public IReadOnlyList<double> ExplainedVariance { get; }

    /// <summary>Each component's share of the total variance.</summary>
    public IReadOnlyList<double> ExplainedVarianceRatio { get; }

    /// <summary>Fits the first <paramref name="components"/> principal components of <paramref name="rows"/>.</summary>
    /// <param name="rows">At least two rows, all of the same length.</param>
    /// <param name="components">How many components to keep (at most the row length).</param>
    /// <returns>The fitted components.</returns>
    /// <exception cref="ArgumentException">Fewer than two rows, rows of different lengths, a non-finite value, or too many components.</exception>
    public static PrincipalComponents Fit(IReadOnlyList<float[]> rows, int components = 2)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (rows.Count < 2)
        {
            throw new ArgumentException($"PCA needs at least two rows; got {rows.Count}.", nameof(rows));
        }
        int dimension = rows[0].Length;
        ArgumentOutOfRangeException.ThrowIfLessThan(components, 1);
        if (components > dimension)
        {
            throw new ArgumentOutOfRangeException(nameof(components), $"The rows have {dimension} values, so at most {dimension} components exist; asked for {components}.");
        }
        var data = new double[rows.Count * dimension];
        for (int r = 0; r < rows.Count; r++)
        {
            if (rows[r].Length != dimension)
            {
                throw new ArgumentException($"Row {r} has {rows[r].Length} values but row 0 has {dimension}; every row needs the same length.", nameof(rows));
            }
            for (int j = 0; j < dimension; j++)
            {
                float value = rows[r][j];
                data[r * dimension + j] = float.IsFinite(value) ? value
                    : throw new ArgumentException($"Row {r}, value {j} is {value}; PCA needs finite values.", nameof(rows));
            }
        }
        using var scope = NewDisposeScope();
        var x = tensor(data, [rows.Count, dimension], ScalarType.Float64);
        var mean = x.mean([0]);
        var centred = x - mean;
        var covariance = centred.t().matmul(centred) / (rows.Count - 1);
        // eigh returns ascending eigenvalues of a symmetric matrix; the largest come last.
        var (values, vectors) = linalg.eigh(covariance);
        double[] eigenvalues = values.data<double>().ToArray();
        double[] eigenvectors = vectors.contiguous().data<double>().ToArray();
        var kept = new double[components][];
        var variance = new double[components];
        for (int k = 0; k < components; k++)
        {
            int column = dimension - 1 - k;
            var direction = new double[dimension];
            for (int j = 0; j < dimension; j++)
            {
                direction[j] = eigenvectors[j * dimension + column];
            }
            int largest = 0;
            for (int j = 1; j < dimension; j++)
            {
                if (Math.Abs(direction[j]) > Math.Abs(direction[largest]))
                {
                    largest = j;
                }
            }
            if (direction[largest] < 0)
            {
                for (int j = 0; j < dimension; j++)
                {
                    direction[j] = -direction[j];
                }
            }
            kept[k] = direction;
            variance[k] = Math.Max(0, eigenvalues[column]);
        }
        return new PrincipalComponents(mean.data<double>().ToArray(), kept, variance, eigenvalues.Sum(v => Math.Max(0, v)));
    }

    /// <summary>The coordinates of <paramref name="row"/> along each component (after subtracting <see cref="Mean"/>).</summary>
    /// <param name="row">A row of the fitted length.</param>
    /// <returns>One coordinate per component.</returns>
    /// <exception cref="ArgumentException">The row has another length.</exception>
    public double[] Transform(ReadOnlySpan<float> row)
    {
        if (row.Length != Mean.Count)
        {
            throw new ArgumentException($"The row has {row.Length} values; the components were fitted on rows of {Mean.Count}.", nameof(row));
        }
        var result = new double[Components.Count];
        for (int k = 0; k < result.Length; k++)
        {
            double sum = 0;
            for (int j = 0; j < row.Length; j++)
            {
                sum += (row[j] - Mean[j]) * Components[k][j];
            }
            result[k] = sum;
        }
        return result;
    }

    /// <summary>Projects every row.</summary>
    /// <param name="rows">Rows of the fitted length.</param>
    /// <returns>One coordinate array per row.</returns>
    public double[][] Transform(IEnumerable<float[]> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        return [.. rows.Select(r => Transform(r))];
    }
}
