using System.Reflection;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace AgroNT.Transforms;

/// <summary>
/// Builds <see cref="SchemaShape.Column"/> values, whose only constructor is internal to ML.NET. An estimator must
/// return them from <see cref="IEstimator{TTransformer}.GetOutputSchema(SchemaShape)"/>, and ML.NET offers no public
/// factory (<c>SchemaShape.Create</c> is internal too). This is the project's one use of ML.NET internals: the
/// constructor is looked up once, by its exact parameter list, and a test pins it, so an ML.NET update that changes it
/// fails the suite instead of a user's pipeline.
/// </summary>
internal static class SchemaShapeColumns
{
    private static readonly ConstructorInfo? s_constructor = typeof(SchemaShape.Column).GetConstructor(
        BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public,
        binder: null,
        [typeof(string), typeof(SchemaShape.Column.VectorKind), typeof(DataViewType), typeof(bool), typeof(SchemaShape)],
        modifiers: null);

    /// <summary>A column shape with no annotations.</summary>
    /// <param name="name">The column's name.</param>
    /// <param name="kind">Scalar, fixed-size vector or variable-size vector.</param>
    /// <param name="itemType">The item type (for vectors, the element type).</param>
    /// <returns>The column shape.</returns>
    /// <exception cref="InvalidOperationException">This ML.NET version no longer has the expected constructor.</exception>
    public static SchemaShape.Column Create(string name, SchemaShape.Column.VectorKind kind, PrimitiveDataViewType itemType)
    {
        if (s_constructor is null)
        {
            ThrowHelper.ThrowInvalidOperation(
                $"This version of ML.NET ({typeof(SchemaShape).Assembly.GetName().Version}) has no SchemaShape.Column(string, VectorKind, DataViewType, bool, SchemaShape) constructor; AgroNT.Transforms needs an update for it.");
        }

        return (SchemaShape.Column)s_constructor.Invoke([name, kind, itemType, false, null]);
    }
}
