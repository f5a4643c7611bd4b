namespace FastRecurrence.Cli.Commands;

/// <summary>What `run` was asked to do, as typed (paths and names not yet checked).</summary>
internal sealed record RunRequest(
    string Cell,
    string WeightsDirectory,
    string InputPath,
    string OutputDirectory,
    string? H0Path = null,
    string? C0Path = null,
    int Heads = 1,
    string? Backend = null,
    string? GradOutputPath = null,
    int Repeat = 0,
    float RecurrentClip = 0,
    bool Truncate = false,
    int NumLayers = 1,
    bool Bidirectional = false,
    string? LengthsPath = null,
    int ProjSize = 0);
