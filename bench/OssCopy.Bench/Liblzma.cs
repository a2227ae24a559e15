using System.Runtime.InteropServices;

namespace OssCopy.Bench;

/// <summary>xz's CRC-64, the reference implementation and the speed to beat.</summary>
internal static unsafe class Liblzma
{
    internal const string Library = "liblzma.so.5";

    /// <summary><c>uint64_t lzma_crc64(const uint8_t *buf, size_t size, uint64_t crc)</c>; crc is the previous result.</summary>
    [DllImport(Library, EntryPoint = "lzma_crc64")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    internal static extern ulong Crc64(byte* buffer, nuint size, ulong crc);
}
