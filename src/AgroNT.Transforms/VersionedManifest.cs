using System.IO.Compression;
using System.Text.Json;

namespace AgroNT.Transforms;

/// <summary>
/// Reads the <c>manifest.json</c> of a saved transformer archive: checks the format name and version before binding the
/// rest, so a file from a newer release gets a message about versions rather than about a field this release lacks.
/// Shared by every AgroNT transformer save format.
/// </summary>
internal static class VersionedManifest
{
    /// <summary>The manifest's entry name inside the archive.</summary>
    public const string EntryName = "manifest.json";

    /// <summary>Deserializes the manifest, or returns null when it holds JSON <c>null</c>.</summary>
    /// <param name="archive">The open archive.</param>
    /// <param name="origin">The file or stream named in errors.</param>
    /// <param name="typeName">The transformer type a valid file holds.</param>
    /// <param name="formatName">The expected <c>format</c> value.</param>
    /// <param name="currentVersion">Newest <c>formatVersion</c> this release reads.</param>
    /// <param name="packageName">Package to update when the file is newer.</param>
    /// <param name="options">JSON options of that format.</param>
    /// <exception cref="InvalidDataException">No manifest, bad JSON, another format, an unreadable version, or malformed fields.</exception>
    public static T? Read<T>(ZipArchive archive, string origin, string typeName, string formatName, int currentVersion, string packageName, JsonSerializerOptions options)
        where T : class
    {
        ZipArchiveEntry entry = archive.GetEntry(EntryName)
            ?? throw new InvalidDataException($"{origin} is not a saved {typeName}: it has no {EntryName}.");
        JsonDocument document;
        using (Stream json = entry.Open())
        {
            try
            {
                document = JsonDocument.Parse(json);
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"{origin}: {EntryName} is not valid JSON ({e.Message}).", e);
            }
        }

        using (document)
        {
            JsonElement root = document.RootElement;
            string? format = root.TryGetProperty("format", out JsonElement f) && f.ValueKind == JsonValueKind.String ? f.GetString() : null;
            if (format != formatName)
            {
                throw new InvalidDataException($"{origin} holds '{format ?? "no format name"}', not a saved {formatName}.");
            }

            int version = root.TryGetProperty("formatVersion", out JsonElement v) && v.TryGetInt32(out int number) ? number : 0;
            if (version < 1 || version > currentVersion)
            {
                throw new InvalidDataException(
                    $"{origin} was written in format version {version}; this version of {packageName} reads versions 1 to {currentVersion}. Update the package to load it.");
            }

            try
            {
                return root.Deserialize<T>(options);
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"{origin}: {EntryName} is malformed ({e.Message}).", e);
            }
        }
    }
}
