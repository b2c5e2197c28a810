using AgroNT.MLNet.Pipelines;
using Microsoft.ML;

namespace AgroNT.MLNet;

/// <summary>
/// Saving and loading whole fitted pipelines that hold AgroNT transformers, on <c>mlContext.Model</c>. ML.NET's own
/// <c>mlContext.Model.Save</c> cannot store transformers from outside its assemblies; these store AgroNT's transformers
/// in their documented formats and every other transformer through ML.NET, in one file.
/// </summary>
public static class AgroNTPipelineCatalog
{
    /// <summary>
    /// Saves a fitted pipeline (a <c>TransformerChain</c> of <c>TokenizeDna</c>, <c>FeaturizeAgroNT</c> or
    /// <c>FeaturizeAgroNTOnnx</c>, and any ML.NET transforms and learners) and its input schema to one zip file, referring
    /// to the featurizers' model by Hub id or by a path relative to the file (see <see cref="SaveAgroNT(ModelOperationsCatalog, ITransformer, DataViewSchema, string, AgroNTPipelineSaveOptions)"/>).
    /// </summary>
    /// <param name="catalog">The model operations catalog.</param>
    /// <param name="model">The fitted pipeline, or a single transformer.</param>
    /// <param name="inputSchema">The schema of the data the pipeline was fitted on (<c>data.Schema</c>).</param>
    /// <param name="path">The file to write; its folder must exist. Replaced atomically.</param>
    /// <example><code>
    /// var model = pipeline.Fit(data);
    /// mlContext.Model.SaveAgroNT(model, data.Schema, "pipeline.zip");
    /// ITransformer loaded = mlContext.Model.LoadAgroNT("pipeline.zip", out DataViewSchema schema);
    /// </code></example>
    /// <exception cref="InvalidOperationException">A featurizer runs a model created in memory (no folder), or the model
    /// folder cannot be expressed relative to the file.</exception>
    /// <exception cref="NotSupportedException">A transformer that is not AgroNT's cannot be saved by ML.NET.</exception>
    public static void SaveAgroNT(this ModelOperationsCatalog catalog, ITransformer model, DataViewSchema inputSchema, string path) =>
        AgroNTPipelineFormat.Save(catalog, model, inputSchema, path, new AgroNTPipelineSaveOptions());

    /// <summary>
    /// Saves a fitted pipeline and its input schema to one zip file: a manifest, the input schema, each AgroNT transformer
    /// in its own save format, the ML.NET transformers saved by <c>mlContext.Model.Save</c> as nested archives, and the
    /// model: embedded (<see cref="AgroNTPipelineModelStorage.Embed"/>), or referred to by Hub id and commit or by a path
    /// relative to the file (<see cref="AgroNTPipelineModelStorage.Reference"/>, the default). No absolute path is
    /// written. Each model file's SHA-256 is recorded; <see cref="LoadAgroNT"/> refuses a model that has changed. The
    /// file is written under a temporary name and renamed over <paramref name="path"/>, so a failed save leaves the old
    /// file intact.
    /// </summary>
    /// <param name="catalog">The model operations catalog.</param>
    /// <param name="model">The fitted pipeline, or a single transformer.</param>
    /// <param name="inputSchema">The schema of the data the pipeline was fitted on (<c>data.Schema</c>).</param>
    /// <param name="path">The file to write; its folder must exist.</param>
    /// <param name="options">Where the model is kept.</param>
    /// <exception cref="InvalidOperationException">A featurizer runs a model created in memory (no folder), or the model
    /// folder cannot be expressed relative to the file.</exception>
    /// <exception cref="NotSupportedException">A transformer that is not AgroNT's cannot be saved by ML.NET.</exception>
    public static void SaveAgroNT(this ModelOperationsCatalog catalog, ITransformer model, DataViewSchema inputSchema, string path, AgroNTPipelineSaveOptions options) =>
        AgroNTPipelineFormat.Save(catalog, model, inputSchema, path, options);

    /// <summary>
    /// Loads a pipeline written by <see cref="SaveAgroNT(ModelOperationsCatalog, ITransformer, DataViewSchema, string)"/>:
    /// finds its model (extracting an embedded one into a folder of the temporary directory named by its hash, reused on
    /// later loads), checks every model file against the recorded SHA-256, and rebuilds the chain. Its predictions equal
    /// the saved pipeline's, through <c>Transform</c> and prediction engines alike. Dispose the result (a
    /// <c>TransformerChain</c>) to release the model.
    /// </summary>
    /// <param name="catalog">The model operations catalog.</param>
    /// <param name="path">The file.</param>
    /// <param name="inputSchema">The schema the pipeline was saved with.</param>
    /// <returns>The pipeline.</returns>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    /// <exception cref="DirectoryNotFoundException">The referenced model folder is not where the file says (relative to it), or the Hub model is not cached.</exception>
    /// <exception cref="InvalidDataException">Not a saved pipeline, a newer format version, a damaged file, or a model
    /// file that changed since saving (the message names the file and both hashes).</exception>
    public static ITransformer LoadAgroNT(this ModelOperationsCatalog catalog, string path, out DataViewSchema inputSchema) =>
        AgroNTPipelineFormat.Load(catalog, path, out inputSchema);
}
