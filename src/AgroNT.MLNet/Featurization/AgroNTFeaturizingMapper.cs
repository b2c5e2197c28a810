using Microsoft.ML;
using Microsoft.ML.Data;

namespace AgroNT.MLNet.Featurization;

/// <summary>The <see cref="IRowToRowMapper"/> of an <see cref="AgroNTFeaturizingTransformer"/> for one input schema (prediction engines use it).</summary>
internal sealed class AgroNTFeaturizingMapper : IRowToRowMapper
{
    private readonly AgroNTFeaturizingBindings _bindings;

    public AgroNTFeaturizingMapper(AgroNTFeaturizingBindings bindings) => _bindings = bindings;

    public DataViewSchema InputSchema => _bindings.InputSchema;

    public DataViewSchema OutputSchema => _bindings.OutputSchema;

    public IEnumerable<DataViewSchema.Column> GetDependencies(IEnumerable<DataViewSchema.Column> dependingColumns) =>
        _bindings.Dependencies(dependingColumns);

    public DataViewRow GetRow(DataViewRow input, IEnumerable<DataViewSchema.Column> activeColumns)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(activeColumns);
        return new AgroNTFeaturizingRow(_bindings, input, _bindings.IsOutputRequested(activeColumns));
    }
}

/// <summary>
/// One featurized row over one input row: the input is embedded alone, at the first request for the features, and kept
/// while the input row stays at the same position (a row without a position, &lt; 0, is never cached).
/// </summary>
internal sealed class AgroNTFeaturizingRow : DataViewRow
{
    private readonly AgroNTFeaturizingBindings _bindings;
    private readonly DataViewRow _input;
    private readonly bool _active;
    private readonly FeaturizingInputReader? _reader;
    private readonly FeaturizingInputs _inputs = new();
    private float[] _features = [];
    private long _position = -1;

    public AgroNTFeaturizingRow(AgroNTFeaturizingBindings bindings, DataViewRow input, bool active)
    {
        _bindings = bindings;
        _input = input;
        _active = active;
        _reader = active ? new FeaturizingInputReader(bindings, input) : null;
    }

    public override long Position => _input.Position;

    public override long Batch => _input.Batch;

    public override DataViewSchema Schema => _bindings.OutputSchema;

    public override ValueGetter<DataViewRowId> GetIdGetter() => _input.GetIdGetter();

    public override bool IsColumnActive(DataViewSchema.Column column) =>
        column.Index < _bindings.InputSchema.Count ? _input.IsColumnActive(_input.Schema[column.Index]) : _active;

    public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column) =>
        column.Index < _bindings.InputSchema.Count
            ? _input.GetGetter<TValue>(_input.Schema[column.Index])
            : _bindings.OutputGetter<TValue>(column, _active, GetFeatures);

    private void GetFeatures(ref VBuffer<float> value)
    {
        long position = _input.Position;
        if (position != _position || position < 0)
        {
            try
            {
                _reader!.ReadInto(_inputs, position);
                _features = _inputs.Embed(_bindings.Transformer.Embedder)[0];
            }
            finally
            {
                _inputs.Clear();
            }

            _position = position;
        }

        VBufferEditor<float> editor = VBufferEditor.Create(ref value, _features.Length);
        _features.CopyTo(editor.Values);
        value = editor.Commit();
    }
}
