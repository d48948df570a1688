using System.Runtime.InteropServices;

namespace EquiTempo.DevSets;

/// <summary>
/// The parts of libopenmpt's C API (Debian package libopenmpt0; Debian 12 has 0.6.9) that play a
/// tracker module and report where playback is. Only calls that 0.6 already has are bound: the
/// fractional tempo (get_current_tempo2) came in 0.7, and only OpenMPT's own MPTM format uses it.
/// </summary>
internal static partial class LibOpenMpt
{
    private const string Library = "libopenmpt.so.0";

    /// <summary>Thrown when the native library is missing, with the package that provides it.</summary>
    public static DllNotFoundException Missing(DllNotFoundException inner) =>
        new("libopenmpt is not installed: tracker modules are played with it (Debian: apt-get install libopenmpt0)", inner);

    [LibraryImport(Library, EntryPoint = "openmpt_module_create_from_memory2")]
    public static unsafe partial IntPtr CreateFromMemory(byte* data, nuint size, IntPtr logFunc, IntPtr logUser,
        IntPtr errorFunc, IntPtr errorUser, out int error, out IntPtr errorMessage, IntPtr initialCtls);

    [LibraryImport(Library, EntryPoint = "openmpt_module_destroy")]
    public static partial void Destroy(IntPtr module);

    [LibraryImport(Library, EntryPoint = "openmpt_free_string")]
    public static partial void FreeString(IntPtr text);

    [LibraryImport(Library, EntryPoint = "openmpt_module_get_num_subsongs")]
    public static partial int GetSubsongCount(IntPtr module);

    [LibraryImport(Library, EntryPoint = "openmpt_module_select_subsong")]
    public static partial int SelectSubsong(IntPtr module, int subsong);

    [LibraryImport(Library, EntryPoint = "openmpt_module_set_repeat_count")]
    public static partial int SetRepeatCount(IntPtr module, int repeatCount);

    [LibraryImport(Library, EntryPoint = "openmpt_module_read_float_mono")]
    public static unsafe partial nuint ReadFloatMono(IntPtr module, int sampleRate, nuint count, float* mono);

    [LibraryImport(Library, EntryPoint = "openmpt_module_get_current_speed")]
    public static partial int GetCurrentSpeed(IntPtr module);

    [LibraryImport(Library, EntryPoint = "openmpt_module_get_current_tempo")]
    public static partial int GetCurrentTempo(IntPtr module);

    [LibraryImport(Library, EntryPoint = "openmpt_module_get_current_order")]
    public static partial int GetCurrentOrder(IntPtr module);

    [LibraryImport(Library, EntryPoint = "openmpt_module_get_current_row")]
    public static partial int GetCurrentRow(IntPtr module);

    [LibraryImport(Library, EntryPoint = "openmpt_module_get_current_estimated_bpm")]
    public static partial double GetCurrentEstimatedBpm(IntPtr module);

    [LibraryImport(Library, EntryPoint = "openmpt_module_get_metadata", StringMarshalling = StringMarshalling.Utf8)]
    public static partial IntPtr GetMetadata(IntPtr module, string key);

    /// <summary>
    /// openmpt_log_func_silent, to pass as a module's log function: with none, libopenmpt writes its
    /// loader warnings (common in old game modules, and harmless) to stderr.
    /// </summary>
    public static IntPtr SilentLogFunction() =>
        NativeLibrary.GetExport(NativeLibrary.Load(Library, typeof(LibOpenMpt).Assembly, null), "openmpt_log_func_silent");

    /// <summary>A metadata item ("type", "title", ...) as a managed string; the native copy is freed.</summary>
    public static string Metadata(IntPtr module, string key)
    {
        IntPtr text = GetMetadata(module, key);
        try { return Marshal.PtrToStringUTF8(text) ?? ""; }
        finally { FreeString(text); }
    }
}
