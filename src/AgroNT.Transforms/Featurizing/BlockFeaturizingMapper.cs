using Microsoft.ML;
using Microsoft.ML.Data;

namespace AgroNT.Transforms.Featurizing;

/// <summary>The <see cref="IRowToRowMapper"/> of a <see cref="BlockFeaturizer{TInput}"/> for one input schema (prediction engines use it).</summary>
internal sealed class BlockFeaturizingMapper<TInput> : IRowToRowMapper
{
    private readonly BlockFeaturizer<TInput> _featurizer;

    public BlockFeaturizingMapper(BlockFeaturizer<TInput> featurizer) => _featurizer = featurizer;

    public DataViewSchema InputSchema => _featurizer.Schema.InputSchema;

    public DataViewSchema OutputSchema => _featurizer.Schema.OutputSchema;

    public IEnumerable<DataViewSchema.Column> GetDependencies(IEnumerable<DataViewSchema.Column> dependingColumns) =>
        _featurizer.Schema.Dependencies(dependingColumns);

    public DataViewRow GetRow(DataViewRow input, IEnumerable<DataViewSchema.Column> activeColumns)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(activeColumns);
        return new BlockFeaturizingRow<TInput>(_featurizer, input, _featurizer.Schema.IsOutputRequested(activeColumns));
    }
}

/// <summary>
/// One featurized row over one input row: the input is embedded alone, at the first request for the features, and kept
/// while the input row stays at the same position (a row without a position, &lt; 0, may change at any time and is never cached).
/// </summary>
internal sealed class BlockFeaturizingRow<TInput> : DataViewRow
{
    private readonly BlockFeaturizer<TInput> _featurizer;
    private readonly DataViewRow _input;
    private readonly bool _active;
    private readonly Func<long, TInput>? _read;
    private float[] _features = [];
    private long _position = -1;

    public BlockFeaturizingRow(BlockFeaturizer<TInput> featurizer, DataViewRow input, bool active)
    {
        _featurizer = featurizer;
        _input = input;
        _active = active;
        _read = active ? featurizer.CreateReader(input) : null;
    }

    public override long Position => _input.Position;

    public override long Batch => _input.Batch;

    public override DataViewSchema Schema => _featurizer.Schema.OutputSchema;

    public override ValueGetter<DataViewRowId> GetIdGetter() => _input.GetIdGetter();

    public override bool IsColumnActive(DataViewSchema.Column column) =>
        column.Index < _featurizer.Schema.InputSchema.Count ? _input.IsColumnActive(_input.Schema[column.Index]) : _active;

    public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column) =>
        column.Index < _featurizer.Schema.InputSchema.Count
            ? _input.GetGetter<TValue>(_input.Schema[column.Index])
            : _featurizer.Schema.OutputGetter<TValue>(column, _active, GetFeatures);

    private void GetFeatures(ref VBuffer<float> value)
    {
        long position = _input.Position;
        if (position != _position || position < 0)
        {
            _features = _featurizer.Embed([_read!(position)], position)[0];
            _position = position;
        }

        VBufferEditor<float> editor = VBufferEditor.Create(ref value, _features.Length);
        _features.CopyTo(editor.Values);
        value = editor.Commit();
    }
}
