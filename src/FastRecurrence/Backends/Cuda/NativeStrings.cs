using System.Runtime.InteropServices;
using System.Text;

namespace FastRecurrence.Backends.Cuda;

/// <summary>
/// NUL-terminated UTF-8 copies of strings in native memory, alive until disposed: the const char* fields of the
/// ABI's structs (define names, source name, arch, cache folder) must outlive the call that reads them.
/// </summary>
internal sealed unsafe class NativeStrings : IDisposable
{
    private readonly List<nint> _allocations = [];

    public byte* Add(string? text)
    {
        if (text is null) return null;
        var length = Encoding.UTF8.GetByteCount(text);
        var pointer = (byte*)NativeMemory.Alloc((nuint)length + 1);
        _allocations.Add((nint)pointer);
        Encoding.UTF8.GetBytes(text, new Span<byte>(pointer, length));
        pointer[length] = 0;
        return pointer;
    }

    public void Dispose()
    {
        foreach (var pointer in _allocations)
            NativeMemory.Free((void*)pointer);
        _allocations.Clear();
    }
}
