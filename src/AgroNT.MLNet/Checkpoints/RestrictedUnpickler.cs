using System.Buffers.Binary;
using System.Collections.Frozen;
using System.Text;
using static TorchSharp.torch;

namespace AgroNT.MLNet.Checkpoints;

/// <summary>
/// Reads the pickle of a PyTorch state dict (<c>data.pkl</c> inside a torch.save zip) as plain data, never as code.
/// It implements only the opcodes that dictionaries, tuples, lists, strings, numbers and tensor references need, and
/// resolves only an allow-list of globals (<c>collections.OrderedDict</c>, <c>torch._utils._rebuild_tensor_v2</c>,
/// <c>_rebuild_tensor</c>, <c>_rebuild_parameter</c> and the typed <c>torch.*Storage</c> classes) into descriptors.
/// Nothing is ever imported, called or instantiated: any other global (<c>os.system</c>, <c>builtins.eval</c>, ...)
/// stops the read at that opcode with a <see cref="CheckpointFormatException"/>.
/// </summary>
internal sealed class RestrictedUnpickler
{
    /// <summary>The globals a state dict needs; everything else is refused.</summary>
    private static readonly FrozenSet<string> AllowedGlobals = new[]
    {
        "collections.OrderedDict",
        "torch._utils._rebuild_tensor_v2",
        "torch._utils._rebuild_tensor",
        "torch._utils._rebuild_parameter",
        "torch.FloatStorage", "torch.HalfStorage", "torch.BFloat16Storage", "torch.DoubleStorage",
        "torch.LongStorage", "torch.IntStorage", "torch.ShortStorage", "torch.CharStorage",
        "torch.ByteStorage", "torch.BoolStorage",
    }.ToFrozenSet(StringComparer.Ordinal);

    private readonly byte[] _pickle;
    private readonly string _filePath;
    private readonly string _entryName;
    private readonly List<object?> _stack = [];
    private readonly List<int> _marks = [];
    private readonly Dictionary<long, object?> _memo = [];
    private int _position;
    private int _opcodeStart;

    private RestrictedUnpickler(byte[] pickle, string filePath, string entryName)
    {
        _pickle = pickle;
        _filePath = filePath;
        _entryName = entryName;
    }

    /// <summary>Unpickles <paramref name="pickle"/> into plain values (see the nested types).</summary>
    /// <param name="pickle">The pickle bytes.</param>
    /// <param name="filePath">The weight file, for error messages.</param>
    /// <param name="entryName">The archive entry, for error messages.</param>
    /// <exception cref="CheckpointFormatException">A refused global, an unsupported opcode, or a damaged pickle.</exception>
    public static object? Load(byte[] pickle, string filePath, string entryName) =>
        new RestrictedUnpickler(pickle, filePath, entryName).Run();

    /// <summary>A global the allow-list admitted, e.g. <c>torch FloatStorage</c>.</summary>
    internal sealed record Global(string Module, string Name)
    {
        /// <summary><c>module.name</c>.</summary>
        public string FullName => Module + "." + Name;
    }

    /// <summary>A dict or OrderedDict, with its items in pickle order.</summary>
    internal sealed class Dict
    {
        /// <summary>The items in insertion order.</summary>
        public List<KeyValuePair<object?, object?>> Items { get; } = [];
    }

    /// <summary>A storage the pickle refers to by persistent id: <c>('storage', torch.FloatStorage, '0', 'cpu', 262720)</c>.</summary>
    internal sealed record StorageReference(string Key, ScalarType DType, string Location, long ElementCount);

    /// <summary>What <c>_rebuild_tensor_v2</c> would have built: a strided view of a storage.</summary>
    internal sealed record TensorReference(StorageReference Storage, long StorageOffset, long[] Shape, long[] Stride);

    private object? Run()
    {
        while (true)
        {
            _opcodeStart = _position;
            byte opcode = ReadByte();
            switch (opcode)
            {
                case 0x80: // PROTO
                    byte protocol = ReadByte();
                    if (protocol > 5)
                    {
                        throw Damaged($"pickle protocol {protocol} is newer than any Python writes");
                    }
                    break;
                case 0x95: // FRAME: a length hint only
                    Take(8);
                    break;
                case 0x2e: // STOP
                    if (_stack.Count != 1 || _marks.Count != 0)
                    {
                        throw Damaged("the pickle ended with an unbalanced stack");
                    }
                    return _stack[0];
                case 0x28: // MARK
                    _marks.Add(_stack.Count);
                    break;
                case 0x30: // POP
                    Pop();
                    break;
                case 0x31: // POP_MARK
                    PopToMark();
                    break;
                case 0x32: // DUP
                    Push(Peek());
                    break;
                case 0x4e: // NONE
                    Push(null);
                    break;
                case 0x88: // NEWTRUE
                    Push(true);
                    break;
                case 0x89: // NEWFALSE
                    Push(false);
                    break;
                case 0x4a: // BININT
                    Push((long)BinaryPrimitives.ReadInt32LittleEndian(Take(4)));
                    break;
                case 0x4b: // BININT1
                    Push((long)ReadByte());
                    break;
                case 0x4d: // BININT2
                    Push((long)BinaryPrimitives.ReadUInt16LittleEndian(Take(2)));
                    break;
                case 0x8a: // LONG1
                    Push(ReadLong(ReadByte()));
                    break;
                case 0x8b: // LONG4
                    Push(ReadLong(ReadLength(BinaryPrimitives.ReadInt32LittleEndian(Take(4)))));
                    break;
                case 0x47: // BINFLOAT (big-endian)
                    Push(BinaryPrimitives.ReadDoubleBigEndian(Take(8)));
                    break;
                case 0x58: // BINUNICODE
                    Push(ReadUtf8(ReadLength(BinaryPrimitives.ReadUInt32LittleEndian(Take(4)))));
                    break;
                case 0x8c: // SHORT_BINUNICODE
                    Push(ReadUtf8(ReadByte()));
                    break;
                case 0x8d: // BINUNICODE8
                    Push(ReadUtf8(ReadLength(BinaryPrimitives.ReadUInt64LittleEndian(Take(8)))));
                    break;
                case 0x54: // BINSTRING (Python 2 str, read as Latin-1 text)
                    Push(Encoding.Latin1.GetString(Take(ReadLength(BinaryPrimitives.ReadInt32LittleEndian(Take(4))))));
                    break;
                case 0x55: // SHORT_BINSTRING
                    Push(Encoding.Latin1.GetString(Take(ReadByte())));
                    break;
                case 0x42: // BINBYTES
                    Push(Take(ReadLength(BinaryPrimitives.ReadUInt32LittleEndian(Take(4)))).ToArray());
                    break;
                case 0x43: // SHORT_BINBYTES
                    Push(Take(ReadByte()).ToArray());
                    break;
                case 0x8e: // BINBYTES8
                    Push(Take(ReadLength(BinaryPrimitives.ReadUInt64LittleEndian(Take(8)))).ToArray());
                    break;
                case 0x29: // EMPTY_TUPLE
                    Push(Array.Empty<object?>());
                    break;
                case 0x74: // TUPLE
                    Push(PopToMark().ToArray());
                    break;
                case 0x85: // TUPLE1
                    Push(PopTuple(1));
                    break;
                case 0x86: // TUPLE2
                    Push(PopTuple(2));
                    break;
                case 0x87: // TUPLE3
                    Push(PopTuple(3));
                    break;
                case 0x5d: // EMPTY_LIST
                    Push(new List<object?>());
                    break;
                case 0x6c: // LIST
                    Push(PopToMark());
                    break;
                case 0x61: // APPEND
                    {
                        object? item = Pop();
                        PeekAs<List<object?>>("APPEND").Add(item);
                        break;
                    }
                case 0x65: // APPENDS
                    {
                        List<object?> items = PopToMark();
                        PeekAs<List<object?>>("APPENDS").AddRange(items);
                        break;
                    }
                case 0x7d: // EMPTY_DICT
                    Push(new Dict());
                    break;
                case 0x64: // DICT
                    {
                        var dict = new Dict();
                        AddPairs(dict, PopToMark());
                        Push(dict);
                        break;
                    }
                case 0x73: // SETITEM
                    {
                        object? value = Pop();
                        object? key = Pop();
                        PeekAs<Dict>("SETITEM").Items.Add(new(key, value));
                        break;
                    }
                case 0x75: // SETITEMS
                    {
                        List<object?> pairs = PopToMark();
                        AddPairs(PeekAs<Dict>("SETITEMS"), pairs);
                        break;
                    }
                case 0x68: // BINGET
                    Push(GetMemo(ReadByte()));
                    break;
                case 0x6a: // LONG_BINGET
                    Push(GetMemo(BinaryPrimitives.ReadUInt32LittleEndian(Take(4))));
                    break;
                case 0x71: // BINPUT
                    _memo[ReadByte()] = Peek();
                    break;
                case 0x72: // LONG_BINPUT
                    _memo[BinaryPrimitives.ReadUInt32LittleEndian(Take(4))] = Peek();
                    break;
                case 0x94: // MEMOIZE
                    _memo[_memo.Count] = Peek();
                    break;
                case 0x63: // GLOBAL "module\nname\n"
                    {
                        string module = ReadLine();
                        string name = ReadLine();
                        Push(ResolveGlobal(module, name));
                        break;
                    }
                case 0x93: // STACK_GLOBAL
                    {
                        string name = PopAs<string>("STACK_GLOBAL");
                        string module = PopAs<string>("STACK_GLOBAL");
                        Push(ResolveGlobal(module, name));
                        break;
                    }
                case 0x52: // REDUCE
                    {
                        object?[] arguments = PopAs<object?[]>("REDUCE");
                        Global callable = PopAs<Global>("REDUCE");
                        Push(Reduce(callable, arguments));
                        break;
                    }
                case 0x62: // BUILD
                    {
                        Pop(); // the state: OrderedDict._metadata (module versions); plain data, not needed
                        PeekAs<Dict>("BUILD");
                        break;
                    }
                case 0x51: // BINPERSID
                    Push(LoadPersistent(Pop()));
                    break;
                default:
                    throw new CheckpointFormatException(_filePath,
                        $"{_entryName} uses pickle opcode 0x{opcode:x2} at byte {_opcodeStart}, which a PyTorch state " +
                        "dict never needs; this reader does not run it. A .bin is data; if this file is a genuine " +
                        "checkpoint of something other than a state dict, convert it to safetensors in Python.");
            }
        }
    }

    private Global ResolveGlobal(string module, string name)
    {
        string fullName = module + "." + name;
        if (!AllowedGlobals.Contains(fullName))
        {
            throw new CheckpointFormatException(_filePath,
                $"refuses to load pickle global '{fullName}' ({_entryName}, byte {_opcodeStart}). A .bin is data; a " +
                "pickle that names other globals can run code on this machine, so nothing was imported or run. Only " +
                "the globals a PyTorch state dict needs are allowed (collections.OrderedDict, " +
                "torch._utils._rebuild_tensor_v2, torch.*Storage). If you trust the file's origin, convert it to " +
                "safetensors in Python (safetensors.torch.save_file) and load that.");
        }
        return new Global(module, name);
    }

    private object? Reduce(Global callable, object?[] arguments)
    {
        switch (callable.FullName)
        {
            case "collections.OrderedDict":
                {
                    var dict = new Dict();
                    if (arguments.Length == 1 && arguments[0] is List<object?> pairs)
                    {
                        foreach (object? pair in pairs)
                        {
                            object?[] kv = pair is object?[] { Length: 2 } tuple
                                ? tuple
                                : throw Damaged("OrderedDict() takes a list of (key, value) pairs");
                            dict.Items.Add(new(kv[0], kv[1]));
                        }
                    }
                    else if (arguments.Length != 0)
                    {
                        throw Damaged("OrderedDict() called with unexpected arguments");
                    }
                    return dict;
                }
            case "torch._utils._rebuild_tensor_v2" when arguments.Length is 6 or 7:
            case "torch._utils._rebuild_tensor" when arguments.Length == 4:
                return RebuildTensor(arguments);
            case "torch._utils._rebuild_parameter" when arguments.Length is 3 or 4:
                return arguments[0] as TensorReference ?? throw Damaged("_rebuild_parameter() expects a tensor");
            default:
                throw Damaged($"{callable.FullName}() called with {arguments.Length} argument(s), which a state dict never does");
        }
    }

    private TensorReference RebuildTensor(object?[] arguments)
    {
        var storage = arguments[0] as StorageReference ?? throw Damaged("a tensor is rebuilt from something other than a storage");
        long offset = arguments[1] as long? ?? throw Damaged("a tensor's storage offset is not an integer");
        long[] shape = ToLongs(arguments[2], "size");
        long[] stride = ToLongs(arguments[3], "stride");
        if (shape.Length != stride.Length || offset < 0 || shape.Any(d => d < 0))
        {
            throw Damaged($"a tensor has an invalid size {CheckpointTensorInfo.FormatShape(shape)} / stride {CheckpointTensorInfo.FormatShape(stride)} / offset {offset}");
        }
        return new TensorReference(storage, offset, shape, stride);
    }

    private long[] ToLongs(object? value, string what)
    {
        if (value is not object?[] tuple)
        {
            throw Damaged($"a tensor's {what} is not a tuple");
        }
        var result = new long[tuple.Length];
        for (int i = 0; i < tuple.Length; i++)
        {
            result[i] = tuple[i] as long? ?? throw Damaged($"a tensor's {what} holds a non-integer");
        }
        return result;
    }

    private StorageReference LoadPersistent(object? persistentId)
    {
        if (persistentId is not object?[] { Length: 5 } id || id[0] is not "storage")
        {
            throw Damaged("a persistent id is not a ('storage', type, key, location, size) tuple");
        }
        if (id[1] is not Global storageType || !CheckpointDTypes.TryParseStorageClass(storageType.Name, out ScalarType dtype))
        {
            throw Damaged("a storage has no typed storage class");
        }
        string key = id[2] as string ?? throw Damaged("a storage key is not a string");
        string location = id[3] as string ?? throw Damaged("a storage location is not a string");
        long count = id[4] as long? ?? throw Damaged("a storage size is not an integer");
        if (count < 0 || key.Length == 0 || key.Contains('/') || key.Contains(".."))
        {
            throw Damaged($"a storage reference ('{key}', {count} elements) is invalid");
        }
        return new StorageReference(key, dtype, location, count);
    }

    private static void AddPairs(Dict dict, List<object?> flat)
    {
        for (int i = 0; i + 1 < flat.Count; i += 2)
        {
            dict.Items.Add(new(flat[i], flat[i + 1]));
        }
    }

    private object? GetMemo(long index) =>
        _memo.TryGetValue(index, out object? value) ? value : throw Damaged($"memo entry {index} is read before it is written");

    private long ReadLong(int length)
    {
        if (length > 8)
        {
            throw Damaged($"an integer of {length} bytes is larger than a state dict holds");
        }
        ReadOnlySpan<byte> bytes = Take(length);
        long value = 0;
        for (int i = length - 1; i >= 0; i--)
        {
            value = (value << 8) | bytes[i];
        }
        // Two's complement: sign-extend from the top byte.
        if (length is > 0 and < 8 && (bytes[length - 1] & 0x80) != 0)
        {
            value -= 1L << (8 * length);
        }
        return value;
    }

    private int ReadLength(long length) =>
        length < 0 || length > _pickle.Length - _position ? throw Damaged($"a length of {length} runs past the end") : (int)length;

    private int ReadLength(ulong length) => length > int.MaxValue ? throw Damaged($"a length of {length} runs past the end") : ReadLength((long)length);

    private string ReadUtf8(int length) => Encoding.UTF8.GetString(Take(length));

    private string ReadLine()
    {
        int end = Array.IndexOf(_pickle, (byte)'\n', _position);
        if (end < 0)
        {
            throw Damaged("a GLOBAL name is not terminated");
        }
        string line = Encoding.UTF8.GetString(_pickle, _position, end - _position);
        _position = end + 1;
        return line;
    }

    private byte ReadByte() => Take(1)[0];

    private ReadOnlySpan<byte> Take(int count)
    {
        if (count > _pickle.Length - _position)
        {
            throw Damaged("the pickle ends in the middle of an opcode");
        }
        var span = new ReadOnlySpan<byte>(_pickle, _position, count);
        _position += count;
        return span;
    }

    private void Push(object? value) => _stack.Add(value);

    private object? Peek() => _stack.Count > 0 ? _stack[^1] : throw Damaged("the stack is empty");

    private T PeekAs<T>(string opcode) => Peek() is T value ? value : throw Damaged($"{opcode} applied to the wrong kind of value");

    private object? Pop()
    {
        object? value = Peek();
        _stack.RemoveAt(_stack.Count - 1);
        return value;
    }

    private T PopAs<T>(string opcode) => Pop() is T value ? value : throw Damaged($"{opcode} applied to the wrong kind of value");

    private object?[] PopTuple(int count)
    {
        if (_stack.Count < count)
        {
            throw Damaged("the stack is empty");
        }
        object?[] tuple = _stack.GetRange(_stack.Count - count, count).ToArray();
        _stack.RemoveRange(_stack.Count - count, count);
        return tuple;
    }

    private List<object?> PopToMark()
    {
        if (_marks.Count == 0)
        {
            throw Damaged("an opcode needs a MARK that is not there");
        }
        int mark = _marks[^1];
        _marks.RemoveAt(_marks.Count - 1);
        List<object?> items = _stack.GetRange(mark, _stack.Count - mark);
        _stack.RemoveRange(mark, _stack.Count - mark);
        return items;
    }

    private CheckpointFormatException Damaged(string problem) =>
        new(_filePath, $"{_entryName} is not a readable state-dict pickle: {problem} (opcode at byte {_opcodeStart}). " +
            "The file is damaged or is not a PyTorch state dict; download it again or convert it to safetensors.");
}
