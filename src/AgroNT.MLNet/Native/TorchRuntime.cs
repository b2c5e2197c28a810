using System.Globalization;
using System.Runtime.InteropServices;
using AgroNT.Transforms.Embeddings;
using System.Runtime.Intrinsics.X86;
using System.Text;
using TorchSharp;

namespace AgroNT.MLNet.Native;

/// <summary>What <see cref="TorchRuntime.Initialize"/> did to the native runtime.</summary>
/// <param name="HugePagesRequested">THP_MEM_ALLOC_ENABLE=1 is in the native environment (set by us or by the user).</param>
/// <param name="MklAvx512Enabled">MKL's CPU-vendor check now reports an Intel CPU, so MKL takes its AVX-512 kernels.</param>
/// <param name="MklNote">Why the MKL switch was or was not applied.</param>
public sealed record TorchRuntimeStatus(bool HugePagesRequested, bool MklAvx512Enabled, string MklNote);

/// <summary>
/// One-time tuning of the native libtorch runtime, applied before the first tensor operation:
/// <list type="bullet">
/// <item>asks libtorch's CPU allocator for transparent huge pages (<c>THP_MEM_ALLOC_ENABLE=1</c>, set in the native
/// environment, which .NET's <c>Environment.SetEnvironmentVariable</c> does not reach), cutting page-fault cost of
/// large tensors about 9x on this kind of VM;</item>
/// <item>on x86-64 CPUs that are not Intel but have AVX-512, makes the two CPU-vendor checks of the MKL inside libtorch
/// (<c>mkl_serv_intel_cpu_true</c>, <c>mkl_serv_intel_cpu</c>) return 1, so fp32 GEMM takes MKL's AVX-512 branch
/// instead of its generic one (2.3-2.8x faster fp32 here, same accuracy; the idea of the well-known MKL-on-AMD shim).
/// Guarded: Linux x86-64, the symbols present, their first bytes as expected, and the GenuineIntel comparison inside.
/// Opt out with the environment variable <c>AGRONT_MKL_AVX512=0</c>.</item>
/// </list>
/// Idempotent and thread-safe; <see cref="AgroNTModel"/> calls it before creating any tensor.
/// </summary>
public static class TorchRuntime
{
    /// <summary>Environment variable that disables the MKL vendor switch when set to <c>0</c>.</summary>
    public const string MklSwitchVariable = "AGRONT_MKL_AVX512";

    private static readonly Lazy<TorchRuntimeStatus> s_status = new(Apply, LazyThreadSafetyMode.ExecutionAndPublication);

    // mov eax, 1; ret
    private static readonly byte[] s_returnOne = [0xB8, 0x01, 0x00, 0x00, 0x00, 0xC3];

    // mov eax, [rip + disp32]: the cached-result load both functions start with in the MKL shipped with libtorch 2.x.
    private static readonly byte[] s_expectedPrologue = [0x8B, 0x05];

    // mov eax/edx, "Genu": the vendor comparison the functions make after cpuid.
    private static readonly byte[] s_genu = Encoding.ASCII.GetBytes("Genu");

    /// <summary>Applies the tuning once (later calls return the first result).</summary>
    /// <exception cref="InvalidOperationException">TorchSharp's native library does not load; the message gives the
    /// dynamic loader's reason (for example a libstdc++ older than TorchSharp needs) and what to do about it.</exception>
    public static TorchRuntimeStatus Initialize() => s_status.Value;

    /// <summary>The NuGet package that brings TorchSharp with a CUDA libtorch on Linux.</summary>
    public const string CudaPackage = "TorchSharp-cuda-linux";

    /// <summary>
    /// Parses a device name (<see cref="ComputeDevice.Parse"/>) and, for CUDA, checks before anything is loaded that
    /// this process's libtorch can use that device, so a missing CUDA runtime is one clear error instead of a native
    /// failure deep inside model loading. Every TorchSharp model and trainer places its network through here.
    /// </summary>
    /// <param name="device"><c>cpu</c>, <c>cuda</c> or <c>cuda:N</c>.</param>
    /// <returns>The torch device.</returns>
    /// <exception cref="ArgumentException"><paramref name="device"/> is none of the accepted forms.</exception>
    /// <exception cref="NotSupportedException">CUDA was asked for and the native runtime has none, or fewer devices than the index.</exception>
    public static torch.Device ResolveDevice(string device)
    {
        ArgumentNullException.ThrowIfNull(device);
        ComputeDevice parsed;
        try
        {
            parsed = ComputeDevice.Parse(device);
        }
        catch (FormatException e)
        {
            throw new ArgumentException(e.Message, nameof(device), e);
        }
        Initialize();
        if (parsed.IsCuda)
        {
            if (!torch.cuda.is_available())
            {
                throw new NotSupportedException(
                    $"Device {parsed} was requested but this process's libtorch has no CUDA support (torch.cuda.is_available() is false): "
                    + $"reference the {CudaPackage} package (TorchSharp with libtorch-cuda-12.x-linux-x64) instead of libtorch-cpu-linux-x64, on a machine with an NVIDIA driver, "
                    + "or use the CPU (--device cpu; Device = \"cpu\" in C#).");
            }
            int count = torch.cuda.device_count();
            if (parsed.Index >= count)
            {
                throw new NotSupportedException(string.Create(CultureInfo.InvariantCulture,
                    $"Device {parsed} was requested but libtorch sees {count} CUDA device(s) (cuda:0 to cuda:{count - 1}); check CUDA_VISIBLE_DEVICES or pass a lower index."));
            }
        }
        return torch.device(parsed.ToString());
    }

    private static TorchRuntimeStatus Apply()
    {
        bool hugePages = false;
        if (OperatingSystem.IsLinux())
        {
            // Before libtorch loads, so its allocator sees it; an explicit user setting wins.
            _ = setenv("THP_MEM_ALLOC_ENABLE", "1", 0);
            hugePages = Marshal.PtrToStringAnsi(getenv("THP_MEM_ALLOC_ENABLE")) == "1";
        }
        try
        {
            torch.InitializeDeviceType(DeviceType.CPU);
        }
        catch (Exception e) when (e is NotSupportedException or DllNotFoundException or TypeInitializationException
            && NativeLoadDiagnosis.Explain(e, AppContext.BaseDirectory) is { } explained)
        {
            throw explained;
        }
        var (enabled, note) = SwitchMklToAvx512();
        return new TorchRuntimeStatus(hugePages, enabled, note);
    }

    private static (bool Enabled, string Note) SwitchMklToAvx512()
    {
        if (Environment.GetEnvironmentVariable(MklSwitchVariable) == "0")
        {
            return (false, $"disabled by {MklSwitchVariable}=0");
        }
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64)
        {
            return (false, "only applied on Linux x86-64");
        }
        if (!Avx512F.IsSupported)
        {
            return (false, "the CPU has no AVX-512");
        }
        if (CpuVendor() == "GenuineIntel")
        {
            return (true, "Intel CPU: MKL already takes its fastest branch");
        }
        nint library = dlopen("libtorch_cpu.so", RtldNow | RtldNoload);
        if (library == 0)
        {
            return (false, "libtorch_cpu.so is not loaded in this process");
        }
        nint intelCpuTrue = dlsym(library, "mkl_serv_intel_cpu_true");
        nint intelCpu = dlsym(library, "mkl_serv_intel_cpu");
        if (intelCpuTrue == 0 || intelCpu == 0)
        {
            return (false, "this libtorch has no MKL vendor-check symbols");
        }
        if (IsPatched(intelCpuTrue) && IsPatched(intelCpu))
        {
            return (true, "already switched");
        }
        if (!LooksLikeVendorCheck(intelCpuTrue, 98) || !LooksLikeVendorCheck(intelCpu, 194))
        {
            return (false, "MKL's vendor-check code is not the expected one (left untouched)");
        }
        if (!Overwrite(intelCpuTrue) || !Overwrite(intelCpu))
        {
            return (false, "the code pages could not be made writable (left untouched)");
        }
        return (true, "MKL vendor check switched: fp32 GEMM uses the AVX-512 kernels");
    }

    private static unsafe bool IsPatched(nint function) => new ReadOnlySpan<byte>((void*)function, s_returnOne.Length).SequenceEqual(s_returnOne);

    private static unsafe bool LooksLikeVendorCheck(nint function, int length)
    {
        var code = new ReadOnlySpan<byte>((void*)function, length);
        return code.StartsWith(s_expectedPrologue) && code.IndexOf(s_genu) > 0;
    }

    private static unsafe bool Overwrite(nint function)
    {
        long pageSize = Environment.SystemPageSize;
        nint page = (nint)((long)function & ~(pageSize - 1));
        nint length = (nint)(((long)function + s_returnOne.Length - (long)page + pageSize - 1) & ~(pageSize - 1));
        if (mprotect(page, length, ProtRead | ProtWrite | ProtExec) != 0)
        {
            return false;
        }
        s_returnOne.CopyTo(new Span<byte>((void*)function, s_returnOne.Length));
        _ = mprotect(page, length, ProtRead | ProtExec);
        return true;
    }

    private static string CpuVendor()
    {
        var (_, ebx, ecx, edx) = X86Base.CpuId(0, 0);
        Span<byte> vendor = stackalloc byte[12];
        BitConverter.TryWriteBytes(vendor, ebx);
        BitConverter.TryWriteBytes(vendor[4..], edx);
        BitConverter.TryWriteBytes(vendor[8..], ecx);
        return Encoding.ASCII.GetString(vendor);
    }

    /// <summary>Calls the (possibly switched) <c>mkl_serv_intel_cpu_true</c>; for tests. Null when the symbol is absent.</summary>
    internal static unsafe int? CallMklIntelCpuTrue()
    {
        nint library = dlopen("libtorch_cpu.so", RtldNow | RtldNoload);
        nint function = library == 0 ? 0 : dlsym(library, "mkl_serv_intel_cpu_true");
        return function == 0 ? null : ((delegate* unmanaged<int>)function)();
    }

    private const int RtldNow = 0x2;
    private const int RtldNoload = 0x4;
    private const int ProtRead = 0x1;
    private const int ProtWrite = 0x2;
    private const int ProtExec = 0x4;

    [DllImport("libc", EntryPoint = "setenv")]
    private static extern int setenv([MarshalAs(UnmanagedType.LPStr)] string name, [MarshalAs(UnmanagedType.LPStr)] string value, int overwrite);

    [DllImport("libc", EntryPoint = "getenv")]
    private static extern nint getenv([MarshalAs(UnmanagedType.LPStr)] string name);

    [DllImport("libc", EntryPoint = "dlopen")]
    private static extern nint dlopen([MarshalAs(UnmanagedType.LPStr)] string file, int mode);

    [DllImport("libc", EntryPoint = "dlsym")]
    private static extern nint dlsym(nint handle, [MarshalAs(UnmanagedType.LPStr)] string name);

    [DllImport("libc", EntryPoint = "mprotect")]
    private static extern int mprotect(nint address, nint length, int protection);
}
