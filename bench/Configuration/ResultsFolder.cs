namespace FastRecurrence.Bench.Configuration;

/// <summary>Where BenchmarkDotNet writes logs and reports and we write the results CSV and plots.</summary>
public static class ResultsFolder
{
    private const string ProjectFile = "FastRecurrence.Bench.csproj";

    /// <summary>Overrides the folder (the GPU harness points it into its $OUT).</summary>
    public const string EnvironmentVariable = "FR_BENCH_RESULTS";

    /// <summary>
    /// $FR_BENCH_RESULTS when set; else bench/results (git-ignored), found by walking up from the binary
    /// (bench/bin/Release/net10.0/) to the project file, so `dotnet run --project bench` from the repository root and a
    /// run from inside bench/ write to the same place; else ./results (a published copy away from the source tree).
    /// </summary>
    public static string Locate()
    {
        if (Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } overridden)
            return Path.GetFullPath(overridden);
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, ProjectFile)))
                return Path.Combine(dir.FullName, "results");
        }
        return Path.Combine(Directory.GetCurrentDirectory(), "results");
    }
}
