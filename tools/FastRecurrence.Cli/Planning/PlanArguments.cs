namespace FastRecurrence.Cli.Planning;

/// <summary>What `plan` was asked to do, as typed (names not yet resolved, sizes not yet checked).</summary>
internal sealed record PlanArguments(
    string Gpu,
    string? Cell,
    int Hidden,
    string DataType,
    int Heads = 1,
    int Batch = 16,
    string Family = "auto",
    bool Backward = false,
    int Steps = 1024,
    bool Json = false,
    bool Tf32 = false,
    bool AbiJson = false,
    bool Lengths = false);
