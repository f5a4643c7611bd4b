namespace FastRecurrence.Cli.Commands;

/// <summary>What `scan` was asked to do, as typed.</summary>
internal sealed record ScanRequest(
    string APath,
    string BPath,
    string OutputDirectory,
    string? H0Path = null,
    string? GradOutputPath = null,
    string? Backend = null,
    int Repeat = 0);
