using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json;
using AgroNT.MLNet.Featurization;
using AgroNT.MLNet.Onnx;
using AgroNT.MLNet.Pipelines;
using AgroNT.Tests.Common;
using AgroNT.Transforms;
using AgroNT.Transforms.Benchmarks;
using AgroNT.Transforms.Onnx;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace AgroNT.MLNet.Tests.Pipelines;

public sealed class PipelineSaveTests
{
    public sealed class Row
    {
        public string Sequence { get; set; } = "";

        public bool Label { get; set; }
    }

    public sealed class Prediction
    {
        public bool PredictedLabel { get; set; }

        public float Score { get; set; }

        public float Probability { get; set; }
    }

    private static readonly string s_defaultModel = Path.Combine(SharedData.RepositoryRoot, "models", "agront-default");

    private readonly MLContext _ml = new(seed: 1);

    /// <summary>Every <paramref name="step"/>-th record of a chloroplast_coding split, both labels present.</summary>
    private static List<Row> Chloroplast(string split, int step) =>
        [.. BenchmarkDataView.Open(Path.Combine(SharedData.Data, "tasks", "chloroplast_coding", split + ".fa"), ProblemType.BinaryClassification)
            .ReadExamples()
            .Where((_, i) => i % step == 0)
            .Select(e => new Row { Sequence = e.Sequence, Label = e.Labels[0] == 1 })];

    private static void CopyFolder(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (string file in Directory.GetFiles(from))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        }
    }

    private static float[] Scores(IDataView scored, string column = "Score") => [.. scored.GetColumn<float>(column)];

    private List<Prediction> Predict(ITransformer model, DataViewSchema schema, IEnumerable<Row> rows)
    {
        using var engine = _ml.Model.CreatePredictionEngine<Row, Prediction>(model, schema);
        return [.. rows.Select(r =>
        {
            Prediction p = engine.Predict(r);
            return new Prediction { PredictedLabel = p.PredictedLabel, Score = p.Score, Probability = p.Probability };
        })];
    }

    private static JsonElement Manifest(string pipeline)
    {
        using ZipArchive archive = ZipFile.OpenRead(pipeline);
        using Stream stream = archive.GetEntry("manifest.json")!.Open();
        return JsonDocument.Parse(stream).RootElement.Clone();
    }

    /// <summary>The text of every entry of an archive, nested archives' entries instead of the archives themselves.</summary>
    private static List<string> Texts(Stream zip)
    {
        var texts = new List<string>();
        using var archive = new ZipArchive(zip, ZipArchiveMode.Read, leaveOpen: true);
        foreach (ZipArchiveEntry entry in archive.Entries)
        {
            using var buffer = new MemoryStream();
            using (Stream stream = entry.Open())
            {
                stream.CopyTo(buffer);
            }

            buffer.Position = 0;
            if (entry.Name.EndsWith(".zip", StringComparison.Ordinal))
            {
                texts.AddRange(Texts(buffer));
            }
            else
            {
                texts.Add(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
            }
        }

        return texts;
    }

    private static void AssertSamePredictions(List<Prediction> expected, List<Prediction> actual)
    {
        Assert.Equal(expected.Select(p => p.Score), actual.Select(p => p.Score));
        Assert.Equal(expected.Select(p => p.Probability), actual.Select(p => p.Probability));
        Assert.Equal(expected.Select(p => p.PredictedLabel), actual.Select(p => p.PredictedLabel));
    }

    [Fact]
    public void SaveAgroNT_TokenizerFeaturizerAndLightGbm_ReloadedFromAnotherFolderWithRelativeModel_PredictsIdentically()
    {
        List<Row> train = Chloroplast("train", step: 10);
        List<Row> test = Chloroplast("test", step: 3);
        IDataView trainData = _ml.Data.LoadFromEnumerable(train);
        IDataView testData = _ml.Data.LoadFromEnumerable(test);
        using var first = new TemporaryFolder();
        string model = Path.Combine(first.Path, "model");
        CopyFolder(s_defaultModel, model);
        Directory.CreateDirectory(Path.Combine(first.Path, "out"));
        string saved = Path.Combine(first.Path, "out", "pipeline.zip");

        var pipeline = _ml.Transforms.TokenizeDna("Ids", "Sequence", model)
            .Append(_ml.Transforms.FeaturizeAgroNT(new AgroNTFeaturizingOptions { ModelFolder = model, InputColumnName = "Ids", OutputColumnName = "Embedding" }))
            .Append(_ml.Transforms.Concatenate("Features", "Embedding"))
            .Append(_ml.Transforms.NormalizeMinMax("Features"))
            .Append(_ml.BinaryClassification.Trainers.LightGbm(numberOfLeaves: 4, minimumExampleCountPerLeaf: 5, numberOfIterations: 20));
        float[] expectedScores;
        List<Prediction> expectedPredictions;
        using (var fitted = pipeline.Fit(trainData))
        {
            expectedScores = Scores(fitted.Transform(testData));
            expectedPredictions = Predict(fitted, trainData.Schema, test);
            _ml.Model.SaveAgroNT(fitted, trainData.Schema, saved);
        }

        JsonElement manifest = Manifest(saved);
        Assert.Equal(["KmerTokenizing", "AgroNTFeaturizing", "MLNet"], manifest.GetProperty("stages").EnumerateArray().Select(s => s.GetProperty("kind").GetString()));
        JsonElement recorded = manifest.GetProperty("models")[0];
        Assert.Equal("RelativePath", recorded.GetProperty("location").GetString());
        Assert.Equal("../model", recorded.GetProperty("path").GetString());
        string safetensors = Path.Combine(model, "model.safetensors");
        Assert.Contains(recorded.GetProperty("files").EnumerateArray(), f =>
            f.GetProperty("name").GetString() == "model.safetensors"
            && f.GetProperty("sha256").GetString() == Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(safetensors))));

        // The whole archive, nested archives opened, never names the folder it was written in.
        using (var file = File.OpenRead(saved))
        {
            Assert.All(Texts(file), text => Assert.DoesNotContain(first.Path, text, StringComparison.Ordinal));
        }

        using var second = new TemporaryFolder();
        CopyFolder(model, Path.Combine(second.Path, "model"));
        Directory.CreateDirectory(Path.Combine(second.Path, "out"));
        string moved = Path.Combine(second.Path, "out", "pipeline.zip");
        File.Copy(saved, moved);
        Directory.Delete(model, recursive: true);

        var loaded = _ml.Model.LoadAgroNT(moved, out DataViewSchema schema);
        try
        {
            Assert.Equal(trainData.Schema.Select(c => (c.Name, c.Type)), schema.Select(c => (c.Name, c.Type)));
            Assert.Equal(expectedScores, Scores(loaded.Transform(_ml.Data.LoadFromEnumerable(test))));
            AssertSamePredictions(expectedPredictions, Predict(loaded, schema, test));
        }
        finally
        {
            (loaded as IDisposable)?.Dispose();
        }
    }

    [Fact]
    public void SaveAgroNT_EmbeddedModel_LoadsAloneInAnotherFolderAndPredictsIdentically()
    {
        List<Row> train = Chloroplast("train", step: 20);
        List<Row> test = Chloroplast("test", step: 4);
        IDataView trainData = _ml.Data.LoadFromEnumerable(train);
        using var first = new TemporaryFolder();
        string model = Path.Combine(first.Path, "tiny");
        CopyFolder(SharedData.TinyModel, model);
        string saved = first.File("pipeline.zip");

        var pipeline = _ml.Transforms.FeaturizeAgroNT("Features", "Sequence", model)
            .Append(_ml.Transforms.NormalizeMinMax("Features"))
            .Append(_ml.BinaryClassification.Trainers.SdcaLogisticRegression(maximumNumberOfIterations: 10));
        float[] expectedScores;
        List<Prediction> expectedPredictions;
        using (var fitted = pipeline.Fit(trainData))
        {
            expectedScores = Scores(fitted.Transform(_ml.Data.LoadFromEnumerable(test)));
            expectedPredictions = Predict(fitted, trainData.Schema, test);
            _ml.Model.SaveAgroNT(fitted, trainData.Schema, saved, new AgroNTPipelineSaveOptions { ModelStorage = AgroNTPipelineModelStorage.Embed });
        }

        Assert.Equal("Embedded", Manifest(saved).GetProperty("models")[0].GetProperty("location").GetString());
        using var second = new TemporaryFolder();
        string moved = second.File("pipeline.zip");
        File.Copy(saved, moved);
        Directory.Delete(first.Path, recursive: true);
        Directory.CreateDirectory(first.Path); // for the folder's own cleanup

        var loaded = _ml.Model.LoadAgroNT(moved, out DataViewSchema schema);
        try
        {
            Assert.Equal(expectedScores, Scores(loaded.Transform(_ml.Data.LoadFromEnumerable(test))));
            AssertSamePredictions(expectedPredictions, Predict(loaded, schema, test));
        }
        finally
        {
            (loaded as IDisposable)?.Dispose();
        }
    }

    [Fact]
    public void LoadAgroNT_ReferencedModelFileChanged_RefusesNamingTheFileAndBothHashes()
    {
        IDataView trainData = _ml.Data.LoadFromEnumerable(Chloroplast("train", step: 40));
        using var folder = new TemporaryFolder();
        string model = folder.File("tiny");
        CopyFolder(SharedData.TinyModel, model);
        string saved = folder.File("pipeline.zip");
        using (var fitted = _ml.Transforms.FeaturizeAgroNT("Features", "Sequence", model)
            .Append(_ml.BinaryClassification.Trainers.SdcaLogisticRegression(maximumNumberOfIterations: 5)).Fit(trainData))
        {
            _ml.Model.SaveAgroNT(fitted, trainData.Schema, saved);
        }

        string vocabulary = Path.Combine(model, "vocab.txt");
        string before = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(vocabulary)));
        File.AppendAllText(vocabulary, "\nEXTRA");
        string after = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(vocabulary)));

        var error = Assert.Throws<InvalidDataException>(() => _ml.Model.LoadAgroNT(saved, out _));
        Assert.Contains("'vocab.txt'", error.Message, StringComparison.Ordinal);
        Assert.Contains(before, error.Message, StringComparison.Ordinal);
        Assert.Contains(after, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadAgroNT_ReferencedModelFolderMissing_SaysWhereItLooked()
    {
        IDataView trainData = _ml.Data.LoadFromEnumerable(Chloroplast("train", step: 40));
        using var folder = new TemporaryFolder();
        string model = folder.File("tiny");
        CopyFolder(SharedData.TinyModel, model);
        string saved = folder.File("pipeline.zip");
        using (var fitted = _ml.Transforms.FeaturizeAgroNT("Features", "Sequence", model).Fit(trainData))
        {
            _ml.Model.SaveAgroNT(fitted, trainData.Schema, saved);
        }

        Directory.Delete(model, recursive: true);

        var error = Assert.Throws<DirectoryNotFoundException>(() => _ml.Model.LoadAgroNT(saved, out _));
        Assert.Contains("'tiny'", error.Message, StringComparison.Ordinal);
        Assert.Contains("ModelStorage = Embed", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SaveAgroNT_OnnxFeaturizerPipeline_ReloadsWithIdenticalScores()
    {
        List<Row> train = Chloroplast("train", step: 20);
        List<Row> test = Chloroplast("test", step: 4);
        IDataView trainData = _ml.Data.LoadFromEnumerable(train);
        using var folder = new TemporaryFolder();
        string onnx = folder.File("onnx");
        OnnxExporter.Export(SharedData.TinyModel, onnx, new OnnxExportOptions { IncludeLogits = false });
        string saved = folder.File("pipeline.zip");

        float[] expectedScores;
        List<Prediction> expectedPredictions;
        var pipeline = _ml.Transforms.FeaturizeAgroNTOnnx(new AgroNTOnnxFeaturizingOptions
            {
                ModelFolder = onnx,
                OutputColumnName = "Features",
                EmbedderOptions = new AgroNTOnnxEmbedderOptions { BatchSize = 4, IntraOpThreads = 1 },
                RowsPerBlock = 16,
            })
            .Append(_ml.BinaryClassification.Trainers.LightGbm(numberOfLeaves: 4, minimumExampleCountPerLeaf: 5, numberOfIterations: 10));
        using (var fitted = pipeline.Fit(trainData))
        {
            expectedScores = Scores(fitted.Transform(_ml.Data.LoadFromEnumerable(test)));
            expectedPredictions = Predict(fitted, trainData.Schema, test);
            _ml.Model.SaveAgroNT(fitted, trainData.Schema, saved);
        }

        var loaded = _ml.Model.LoadAgroNT(saved, out DataViewSchema schema);
        try
        {
            var featurizer = Assert.IsType<AgroNTOnnxFeaturizingTransformer>(((IEnumerable<ITransformer>)loaded).First());
            Assert.Equal((4, 1, 16), (featurizer.Embedder.Options.BatchSize, featurizer.Embedder.Options.IntraOpThreads, featurizer.RowsPerBlock));
            Assert.Equal(expectedScores, Scores(loaded.Transform(_ml.Data.LoadFromEnumerable(test))));
            AssertSamePredictions(expectedPredictions, Predict(loaded, schema, test));
        }
        finally
        {
            (loaded as IDisposable)?.Dispose();
        }
    }

    [Fact]
    public void SaveAgroNT_ModelWithoutFolder_FailsAndLeavesTheExistingFileAsItWas()
    {
        IDataView data = _ml.Data.LoadFromEnumerable(Chloroplast("train", step: 100));
        using var folder = new TemporaryFolder();
        string saved = folder.File("pipeline.zip");
        File.WriteAllText(saved, "the previous pipeline");
        using AgroNTModel loaded = AgroNTModel.Load(SharedData.TinyModel);
        using AgroNTModel inMemory = AgroNTModel.CreateRandom(loaded.Config, loaded.Tokenizer.Vocabulary, seed: 3);
        using var fitted = _ml.Transforms.FeaturizeAgroNT(new AgroNTFeaturizingOptions { Model = inMemory }).Fit(data);

        var error = Assert.Throws<InvalidOperationException>(() => _ml.Model.SaveAgroNT(fitted, data.Schema, saved));

        Assert.Contains("AgroNTModel.Save(folder)", error.Message, StringComparison.Ordinal);
        Assert.Equal("the previous pipeline", File.ReadAllText(saved));
        Assert.Equal(["pipeline.zip"], folder.FileNames());
    }

    [Fact]
    public void HubIdOf_SnapshotFolderOfACache_GivesIdAndCommit()
    {
        string commit = new('a', 40);
        string snapshot = Path.Combine(Path.GetTempPath(), "hub", "models--InstaDeepAI--agro-nucleotide-transformer-1b", "snapshots", commit);

        Assert.Equal($"InstaDeepAI/agro-nucleotide-transformer-1b@{commit}", AgroNTPipelineFormat.HubIdOf(snapshot));
        Assert.Null(AgroNTPipelineFormat.HubIdOf(Path.Combine(Path.GetTempPath(), "models", "agront-default")));
    }
}
