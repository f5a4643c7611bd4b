using System.CommandLine;

namespace FastRecurrence.Cli.Commands;

/// <summary>`scan`: the diagonal linear recurrence h_t = a_t * h_{t-1} + b_t, and optionally its backward.</summary>
internal static class ScanCommand
{
    public static Command Create(TextWriter stdout)
    {
        var a = new Option<string>("--a")
        {
            Description = "a.npy, [B, T, H, D] (may be negative).",
            Required = true,
            HelpName = "a.npy",
        };
        var b = new Option<string>("--b")
        {
            Description = "b.npy, [B, T, H, D].",
            Required = true,
            HelpName = "b.npy",
        };
        var h0 = new Option<string>("--h0")
        {
            Description = "Initial state, [B, H, D] (zeros if absent).",
            HelpName = "h0.npy",
        };
        var output = new Option<string>("--out")
        {
            Description = "Directory for h.npy and, with --grad-output, da.npy, db.npy, dh0.npy; created if missing, and only once every result is computed.",
            Required = true,
            HelpName = "DIR",
        };
        var gradOutput = new Option<string>("--grad-output")
        {
            Description = "dL/dh, [B, T, H, D].",
            HelpName = "dh.npy",
        };
        var backend = new Option<string>("--backend")
        {
            Description = "Backend name (see `devices`); default: the best available.",
            HelpName = "NAME",
        };

        var repeat = new Option<int>("--repeat")
        {
            Description = "After writing the outputs, time N more calls of the backend (forward, and backward with --grad-output) and print the median in ms; 0: no timing.",
            DefaultValueFactory = _ => 0,
            HelpName = "N",
        };

        var command = new Command("scan", "Run the diagonal linear recurrence h_t = a_t * h_{t-1} + b_t on [B, T, H, D] and write h.npy.")
        {
            a, b, h0, output, gradOutput, backend, repeat,
        };
        command.SetAction(parse =>
        {
            var request = new ScanRequest(
                parse.GetRequiredValue(a),
                parse.GetRequiredValue(b),
                parse.GetRequiredValue(output),
                parse.GetValue(h0),
                parse.GetValue(gradOutput),
                parse.GetValue(backend),
                parse.GetValue(repeat));
            ScanRun.Execute(request, stdout);
            return 0;
        });
        return command;
    }
}
