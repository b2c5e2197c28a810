// Tokenize and embed a FASTA file with AgroNT, then look at the result in a DataFrame.
// Usage: dotnet run --project examples/01-TokenizeAndEmbed -- MODEL_DIR INPUT.fa [OUTPUT.parquet]
using AgroNT.MLNet;
using AgroNT.MLNet.Featurization;
using AgroNT.Transforms.Sequences;
using AgroNT.Transforms.Tokenization;

using AgroNT.MLNet.DataFrames;
using AgroNT.MLNet.EmbeddingFiles;
if (args.Length < 2)
{
    Console.Error.WriteLine("usage: 01-TokenizeAndEmbed MODEL_DIR INPUT.fa [OUTPUT.parquet]");
    return 2;
}
string modelFolder = args[0], input = args[1], output = args.Length > 2 ? args[2] : "embeddings.parquet";

// Soft-masked genomes are lowercase: normalize mode turns them into real 6-mers; long records are windowed.
using var model = AgroNTModel.Load(modelFolder, new AgroNTModelOptions
{
    Tokenizer = KmerTokenizerOptions.Default with { LengthPolicy = LengthPolicy.Windows },
});
var records = SequenceReader.ReadFile(input).ToList();

var first = records[0];
int[] ids = model.Tokenizer.EncodeWindows(first.Sequence, first.Name)[0].Ids;
Console.WriteLine($"{first.Name}: {first.Sequence.Length} bp; first window starts {model.Tokenizer.Decode(ids.Take(4), skipSpecialTokens: false)} ...");

var embedder = new AgroNTEmbedder(model);
var vectors = embedder.Embed(records.Select(r => r.Sequence).ToList(), records.Select(r => r.Name).ToList());

using (var writer = EmbeddingFileWriter.Create(output))
{
    for (int i = 0; i < records.Count; i++)
    {
        writer.Write(records[i].Name, vectors[i]);
    }
    writer.Complete();
}

var frame = EmbeddingDataFrames.ToDataFrame(output);
Console.WriteLine($"wrote {output}: {frame.Rows.Count} rows x {frame.Columns.Count - 1} dimensions");
foreach (var row in frame.Rows.Take(3))
{
    Console.WriteLine($"  {row[0],-12} {string.Join(" ", Enumerable.Range(1, 4).Select(c => $"{(float)row[c],8:F4}"))} ...");
}
return 0;
