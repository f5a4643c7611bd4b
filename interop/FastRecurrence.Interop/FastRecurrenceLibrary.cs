using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Runtime.InteropServices;

namespace FastRecurrence.Interop;

/// <summary>
/// Finds libfastrecurrence for <see cref="FastRecurrenceNative"/> (a NativeLibrary.SetDllImportResolver resolver).
/// Search order: the <c>FR_NATIVE_LIBRARY</c> environment variable alone when it is set (a file, or a folder holding
/// the library); else beside this assembly (and the application's base folder), runtimes/&lt;rid&gt;/native under
/// them, the CMake output build/native/lib of the repository (found by walking up from this assembly's folder), and
/// finally the system's library path. When none loads, every call raises
/// <see cref="FastRecurrenceLibraryNotFoundException"/> listing where it looked and saying to run ./build.sh.
/// </summary>
public static class FastRecurrenceLibrary
{
    /// <summary>The environment variable that names the library file (or its folder) and replaces the search.</summary>
    public const string EnvironmentOverride = "FR_NATIVE_LIBRARY";

    /// <summary>Where CMake puts the library, relative to the repository root (CMakeLists.txt, build.sh).</summary>
    public static readonly string CMakeOutputFolder = Path.Combine("build", "native", "lib");

    private static readonly Lock Gate = new();
    private static int s_registered;
    private static nint s_handle;
    private static string? s_loadedPath;

    /// <summary>The platform's file name: libfastrecurrence.so, libfastrecurrence.dylib or fastrecurrence.dll.</summary>
    public static string FileName =>
        OperatingSystem.IsWindows() ? "fastrecurrence.dll"
        : OperatingSystem.IsMacOS() ? "libfastrecurrence.dylib"
        : "libfastrecurrence.so";

    /// <summary>The path the library was loaded from, or null before the first successful load.</summary>
    public static string? LoadedPath
    {
        get
        {
            lock (Gate) return s_loadedPath;
        }
    }

    /// <summary>
    /// Installs the resolver for this assembly's imports (idempotent). <see cref="FastRecurrenceNative"/>'s static
    /// constructor calls it; an application that installed its own resolver for this assembly keeps it.
    /// </summary>
    public static void RegisterResolver()
    {
        if (Interlocked.Exchange(ref s_registered, 1) != 0) return;
        try
        {
            NativeLibrary.SetDllImportResolver(typeof(FastRecurrenceLibrary).Assembly, Resolve);
        }
        catch (InvalidOperationException)
        {
            // A resolver is already set for this assembly (by the host application): it decides.
        }
    }

    /// <summary>Loads the library now (or returns the handle of the earlier load).</summary>
    /// <exception cref="FastRecurrenceLibraryNotFoundException">Nothing loaded; the message lists where it looked.</exception>
    public static nint Load()
    {
        lock (Gate)
        {
            if (s_handle != 0) return s_handle;
            var searched = new List<string>();
            foreach (var candidate in Candidates())
            {
                if (TryLoadCandidate(candidate, searched) is { } handle)
                {
                    s_handle = handle;
                    s_loadedPath = candidate.Path;
                    return handle;
                }
            }
            throw NotFound(searched);
        }
    }

    /// <summary>As <see cref="Load"/>, returning false (and the exception's message in <paramref name="error"/>) instead of throwing.</summary>
    public static bool TryLoad(out string? error)
    {
        try
        {
            Load();
            error = null;
            return true;
        }
        catch (FastRecurrenceLibraryNotFoundException e)
        {
            error = e.Message;
            return false;
        }
    }

    /// <summary>The candidate files in search order (the last, a bare file name, asks the system loader).</summary>
    public static IReadOnlyList<string> SearchPaths() => Candidates().Select(c => c.Path).ToArray();

    private static nint Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath) =>
        libraryName == FastRecurrenceNative.LibraryName ? Load() : 0;

    private enum Place
    {
        Override,
        BesideAssembly,
        RuntimesFolder,
        CMakeBuild,
        SystemPath,
    }

    private readonly record struct Candidate(string Path, Place Place);

    private static List<Candidate> Candidates()
    {
        var candidates = new List<Candidate>();
        var fileName = FileName;
        var overridePath = Environment.GetEnvironmentVariable(EnvironmentOverride);
        if (!string.IsNullOrWhiteSpace(overridePath))
        {
            // An explicit choice replaces the search: silently loading another build would hide the mistake.
            var path = Directory.Exists(overridePath) ? Path.Combine(overridePath, fileName) : overridePath;
            candidates.Add(new Candidate(Path.GetFullPath(path), Place.Override));
            return candidates;
        }

        var folders = SearchFolders();
        foreach (var folder in folders)
            candidates.Add(new Candidate(Path.Combine(folder, fileName), Place.BesideAssembly));
        foreach (var folder in folders)
        {
            foreach (var rid in RuntimeIdentifiers())
                candidates.Add(new Candidate(Path.Combine(folder, "runtimes", rid, "native", fileName), Place.RuntimesFolder));
        }
        // The repository's CMake build: walk up from the assembly's folder (bin/<config>/<tfm>/ of any project).
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var folder in folders)
        {
            for (var directory = new DirectoryInfo(folder); directory is not null; directory = directory.Parent)
            {
                var lib = Path.Combine(directory.FullName, CMakeOutputFolder);
                if (!seen.Add(lib)) continue;
                candidates.Add(new Candidate(Path.Combine(lib, fileName), Place.CMakeBuild));
                // Multi-configuration generators (Visual Studio, Xcode) add the configuration.
                foreach (var configuration in new[] { "Release", "Debug", "RelWithDebInfo" })
                    candidates.Add(new Candidate(Path.Combine(lib, configuration, fileName), Place.CMakeBuild));
            }
        }
        candidates.Add(new Candidate(fileName, Place.SystemPath));
        return candidates;
    }

    /// <summary>This assembly's folder, then the application's base folder when it differs.</summary>
    [UnconditionalSuppressMessage("SingleFile", "IL3000:Avoid accessing Assembly file path when publishing as a single file",
        Justification = "Location is empty in a single-file app, and AddFolder skips it; AppContext.BaseDirectory follows.")]
    private static List<string> SearchFolders()
    {
        var folders = new List<string>();
        AddFolder(folders, Path.GetDirectoryName(typeof(FastRecurrenceLibrary).Assembly.Location));
        AddFolder(folders, AppContext.BaseDirectory);
        return folders;
    }

    private static void AddFolder(List<string> folders, string? folder)
    {
        if (string.IsNullOrEmpty(folder)) return;
        var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder));
        if (!folders.Contains(full, StringComparer.Ordinal)) folders.Add(full);
    }

    private static IEnumerable<string> RuntimeIdentifiers()
    {
        var os = OperatingSystem.IsWindows() ? "win" : OperatingSystem.IsMacOS() ? "osx" : "linux";
        var portable = $"{os}-{RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant()}";
        var current = RuntimeInformation.RuntimeIdentifier;
        return current == portable ? [portable] : [current, portable];
    }

    private static nint? TryLoadCandidate(Candidate candidate, List<string> searched)
    {
        if (candidate.Place != Place.SystemPath && !File.Exists(candidate.Path))
        {
            // The CMake folders of every parent are summarised in one line (NotFound); the rest are listed.
            if (candidate.Place != Place.CMakeBuild)
                searched.Add($"{candidate.Path} ({Describe(candidate.Place)}): no such file");
            return null;
        }
        try
        {
            return NativeLibrary.Load(candidate.Path);
        }
        catch (Exception e) when (e is DllNotFoundException or BadImageFormatException)
        {
            searched.Add(candidate.Place == Place.SystemPath
                ? $"{candidate.Path} ({Describe(candidate.Place)}): not found"
                : $"{candidate.Path} ({Describe(candidate.Place)}): exists but did not load: {e.Message}");
            return null;
        }
    }

    private static string Describe(Place place) => place switch
    {
        Place.Override => $"from {EnvironmentOverride}",
        Place.BesideAssembly => "beside the assembly",
        Place.RuntimesFolder => "the NuGet runtimes folder",
        Place.CMakeBuild => "the CMake build",
        _ => "the system library path",
    };

    private static FastRecurrenceLibraryNotFoundException NotFound(List<string> searched)
    {
        if (string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(EnvironmentOverride)) &&
            !searched.Any(line => line.Contains(Describe(Place.CMakeBuild), StringComparison.Ordinal)))
        {
            var start = SearchFolders().FirstOrDefault() ?? ".";
            // Inserted before the system path's line, where the search order puts it.
            searched.Insert(Math.Max(0, searched.Count - 1),
                $"{Path.Combine(CMakeOutputFolder, FileName)} (the CMake build) in {start} and every folder above it: no such file");
        }
        var message =
            $"libfastrecurrence ({FileName}) could not be loaded; run ./build.sh to build it " +
            $"(CMake writes it to {CMakeOutputFolder}), or set {EnvironmentOverride} to its path. Looked in:" +
            Environment.NewLine + string.Join(Environment.NewLine, searched.Select(s => "  " + s));
        return new FastRecurrenceLibraryNotFoundException(message, searched.ToArray());
    }
}
