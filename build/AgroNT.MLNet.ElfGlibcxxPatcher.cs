// Compiled for netstandard2.0 by MSBuild's RoslynCodeTaskFactory, so no spans or nullable annotations.
// MSBuild task (compiled by RoslynCodeTaskFactory) that lets TorchSharp's native bridge load on a libstdc++
// older than the one it was linked against. Shipped in the AgroNT.MLNet package (buildTransitive/) and used by this
// repository's own build; it only ever rewrites copies in a build or publish output, never a package folder.
// See docs/decisions.md, record 1.
using System;
using System.IO;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

public sealed class AgroNTElfGlibcxxPatcher : Task
{
    // GCC 13 emits a reference to this empty link anchor from <iostream>; it is never called.
    const string AnchorSymbol = "_ZSt21ios_base_library_initv";
    // An empty function (std::exception::~exception) that every libstdc++ since GCC 3.4 exports as GLIBCXX_3.4.
    const string Replacement = "_ZNSt9exceptionD2Ev";
    const string AnchorVersion = "GLIBCXX_3.4.32";
    const string BaseVersion = "GLIBCXX_3.4";
    const ushort VerFlagWeak = 0x2;

    // The copies of libLibTorchSharp.so in the output folder (never the package folder's file).
    [Required] public ITaskItem[] LibraryPaths { get; set; } = new ITaskItem[0];
    // The libstdc++.so.6 to check; empty: the usual system locations.
    public string SystemLibStdCxx { get; set; } = "";
    // Patch even when the system libstdc++ has GLIBCXX_3.4.32 (an output built here and run on an older system).
    public bool Force { get; set; }
    [Output] public ITaskItem[] Patched { get; set; } = new ITaskItem[0];

    public override bool Execute()
    {
        if (!Force)
        {
            string libstdcxx = FindSystemLibStdCxx();
            if (libstdcxx.Length == 0) { Log.LogMessage(MessageImportance.Low, "No system libstdc++ found; not patching libLibTorchSharp.so."); return true; }
            if (ContainsAscii(File.ReadAllBytes(libstdcxx), AnchorVersion + "\0"))
            {
                Log.LogMessage(MessageImportance.Low, libstdcxx + " provides " + AnchorVersion + "; libLibTorchSharp.so needs no patch.");
                return true;
            }
        }
        var patched = new System.Collections.Generic.List<ITaskItem>();
        foreach (ITaskItem item in LibraryPaths)
        {
            if (PatchOne(item.GetMetadata("FullPath"))) patched.Add(item);
        }
        Patched = patched.ToArray();
        return !Log.HasLoggedErrors;
    }

    bool PatchOne(string path)
    {
        if (!File.Exists(path)) { Log.LogMessage(MessageImportance.Low, "No " + path + "; nothing to patch."); return false; }
        byte[] elf = File.ReadAllBytes(path);
        string problem = TryPatch(elf, out bool changed);
        if (problem != null) { Log.LogWarning(null, "AGRONT001", null, path, 0, 0, 0, 0, "Cannot patch " + path + " for this system's libstdc++: " + problem + ". TorchSharp may fail to load it; see the AgroNT.MLNet README."); return false; }
        if (!changed) { Log.LogMessage(MessageImportance.Low, path + " is already patched."); return false; }

        // Write a new file beside the target and rename it over the target: the rename replaces the directory entry,
        // so a hard or symbolic link in the output is replaced, never written through (the package folder stays as
        // restored), and a concurrent reader never sees a half-written library.
        string temp = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
        File.WriteAllBytes(temp, elf);
        File.Replace(temp, path, null); // rename(2) on Unix
        Log.LogMessage(MessageImportance.Normal, "Patched " + path + ": " + AnchorSymbol + "@" + AnchorVersion + " -> " + Replacement + "@" + BaseVersion + " (system libstdc++ lacks " + AnchorVersion + ").");
        return true;
    }

    string FindSystemLibStdCxx()
    {
        if (SystemLibStdCxx.Length > 0) return File.Exists(SystemLibStdCxx) ? SystemLibStdCxx : "";
        foreach (string dir in new[] { "/usr/lib/x86_64-linux-gnu", "/lib/x86_64-linux-gnu", "/usr/lib64", "/lib64", "/usr/lib/aarch64-linux-gnu", "/usr/lib" })
        {
            string candidate = Path.Combine(dir, "libstdc++.so.6");
            if (File.Exists(candidate)) return candidate;
        }
        return "";
    }

    static string TryPatch(byte[] f, out bool changed)
    {
        changed = false;
        if (f.Length < 64 || f[0] != 0x7f || f[1] != (byte)'E' || f[2] != (byte)'L' || f[3] != (byte)'F') return "not an ELF file";
        if (f[4] != 2 || f[5] != 1) return "not a little-endian ELF64 file";
        long shoff = (long)U64(f, 0x28);
        int shentsize = U16(f, 0x3A), shnum = U16(f, 0x3C);

        long dynsymOff = -1, dynsymSize = 0, dynstrOff = -1, versymOff = -1, verneedOff = -1; int verneedCount = 0;
        int dynstrIndex = -1;
        for (int i = 0; i < shnum; i++)
        {
            long h = shoff + (long)i * shentsize;
            uint type = U32(f, h + 4);
            if (type == 11) { dynsymOff = (long)U64(f, h + 24); dynsymSize = (long)U64(f, h + 32); dynstrIndex = (int)U32(f, h + 40); }
            else if (type == 0x6fffffff) versymOff = (long)U64(f, h + 24);
            else if (type == 0x6ffffffe) { verneedOff = (long)U64(f, h + 24); verneedCount = (int)U32(f, h + 44); }
        }
        if (dynsymOff < 0 || dynstrIndex < 0 || versymOff < 0 || verneedOff < 0) return "missing dynamic symbol or version sections";
        dynstrOff = (long)U64(f, shoff + (long)dynstrIndex * shentsize + 24);

        int symbolCount = (int)(dynsymSize / 24), anchor = -1;
        for (int s = 0; s < symbolCount; s++)
        {
            long e = dynsymOff + 24L * s;
            if (U16(f, e + 6) == 0 && CStr(f, dynstrOff + U32(f, e)) == AnchorSymbol) { anchor = s; break; }
        }
        if (anchor < 0) return ReferencesVersion(f, dynstrOff, verneedOff, verneedCount, AnchorVersion) ? "it needs " + AnchorVersion + " for symbols other than " + AnchorSymbol : null;

        int version = U16(f, versymOff + 2L * anchor) & 0x7fff;
        for (int s = 0; s < symbolCount; s++)
            if (s != anchor && (U16(f, versymOff + 2L * s) & 0x7fff) == version) return "other symbols share the " + AnchorVersion + " version entry";

        long aux = FindVernaux(f, dynstrOff, verneedOff, verneedCount, version);
        if (aux < 0) return "version entry " + version + " not found";
        long nameAt = dynstrOff + U32(f, aux + 8);
        if (CStr(f, nameAt) != AnchorVersion) return "the anchor symbol is versioned " + CStr(f, nameAt) + ", not " + AnchorVersion;

        WriteCStr(f, dynstrOff + U32(f, dynsymOff + 24L * anchor), Replacement, AnchorSymbol.Length);
        WriteCStr(f, nameAt, BaseVersion, AnchorVersion.Length);
        W32(f, aux, ElfHash(BaseVersion));
        W16(f, aux + 4, (ushort)(U16(f, aux + 4) | VerFlagWeak));
        changed = true;
        return null;
    }

    static long FindVernaux(byte[] f, long dynstr, long verneed, int count, int version)
    {
        long vn = verneed;
        for (int i = 0; i < count; i++)
        {
            long aux = vn + U32(f, vn + 8);
            for (int j = 0; j < U16(f, vn + 2); j++)
            {
                if (U16(f, aux + 6) == version) return aux;
                aux += U32(f, aux + 12);
            }
            vn += U32(f, vn + 12);
        }
        return -1;
    }

    static bool ReferencesVersion(byte[] f, long dynstr, long verneed, int count, string name)
    {
        long vn = verneed;
        for (int i = 0; i < count; i++)
        {
            long aux = vn + U32(f, vn + 8);
            for (int j = 0; j < U16(f, vn + 2); j++)
            {
                if (CStr(f, dynstr + U32(f, aux + 8)) == name) return true;
                aux += U32(f, aux + 12);
            }
            vn += U32(f, vn + 12);
        }
        return false;
    }

    static uint ElfHash(string name)
    {
        uint h = 0;
        foreach (char c in name)
        {
            h = (h << 4) + c;
            uint g = h & 0xf0000000;
            if (g != 0) h ^= g >> 24;
            h &= ~g;
        }
        return h;
    }

    static bool ContainsAscii(byte[] haystack, string needle)
    {
        byte[] n = Encoding.ASCII.GetBytes(needle);
        for (int i = Array.IndexOf(haystack, n[0]); i >= 0 && i <= haystack.Length - n.Length; i = Array.IndexOf(haystack, n[0], i + 1))
        {
            int k = 1;
            while (k < n.Length && haystack[i + k] == n[k]) k++;
            if (k == n.Length) return true;
        }
        return false;
    }

    static string CStr(byte[] f, long at)
    {
        int end = Array.IndexOf(f, (byte)0, (int)at);
        return Encoding.ASCII.GetString(f, (int)at, end - (int)at);
    }

    static void WriteCStr(byte[] f, long at, string value, int room)
    {
        for (int i = 0; i < room; i++) f[at + i] = i < value.Length ? (byte)value[i] : (byte)0;
    }

    static ushort U16(byte[] f, long at) => BitConverter.ToUInt16(f, (int)at);
    static uint U32(byte[] f, long at) => BitConverter.ToUInt32(f, (int)at);
    static ulong U64(byte[] f, long at) => BitConverter.ToUInt64(f, (int)at);
    static void W16(byte[] f, long at, ushort v) => Array.Copy(BitConverter.GetBytes(v), 0, f, at, 2);
    static void W32(byte[] f, long at, uint v) => Array.Copy(BitConverter.GetBytes(v), 0, f, at, 4);
}
