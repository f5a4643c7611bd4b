namespace FastRecurrence.Bench.Configuration;

/// <summary>Where BenchmarkDotNet writes logs and reports: bench/results (git-ignored), whatever the working directory.</summary>
public static class ResultsFolder
{
    private const string ProjectFile = "FastRecurrence.Bench.csproj";

    /// <summary>
    /// bench/results, found by walking up from the binary (bench/bin/Release/net10.0/) to the project file, so
    /// `dotnet run --project bench` from the repository root and a run from inside bench/ write to the same place.
    /// Falls back to ./results when the binary was copied away from the source tree.
    /// </summary>
    public static string Locate()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, ProjectFile)))
                return Path.Combine(dir.FullName, "results");
        }
        return Path.Combine(Directory.GetCurrentDirectory(), "results");
    }
}
