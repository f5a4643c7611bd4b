using System.CommandLine;
using FastRecurrence.Backends;

namespace FastRecurrence.Cli.Commands;

/// <summary>`devices`: every registered backend, whether it runs here and why (not), and the planned ones not built yet.</summary>
internal static class DevicesCommand
{
    /// <summary>Backends the project plans (math.md: CPU reference, ILGPU, CUDA C) that may not be registered in this build.</summary>
    private static readonly (string Name, string What)[] Planned =
    [
        ("ilgpu-cpu", "ILGPU kernels on the CPU accelerator"),
        ("ilgpu-cuda", "ILGPU kernels on an NVIDIA GPU"),
        ("ilgpu-opencl", "ILGPU kernels on an OpenCL device"),
        ("cuda", "native CUDA C kernels"),
        ("cuda-emulated", "native CUDA C kernels on the CPU emulator"),
    ];

    public static Command Create(TextWriter stdout)
    {
        var command = new Command("devices", "List the backends, whether each can run on this machine, and why not.");
        command.SetAction(_ =>
        {
            Write(stdout);
            return 0;
        });
        return command;
    }

    private static void Write(TextWriter stdout)
    {
        var all = RecurrenceBackends.All;
        var defaultName = all.FirstOrDefault(b => b.Availability.IsAvailable)?.Name;
        const string Row = "{0,-14} {1,-14} {2}";
        stdout.WriteLine(Row, "backend", "status", "details");
        foreach (var backend in all)
        {
            var availability = backend.Availability;
            var status = availability.IsAvailable ? "available" : "unavailable";
            var marker = backend.Name == defaultName ? " (default)" : "";
            stdout.WriteLine(Row, backend.Name, status, availability.Reason + marker);
        }
        // Say plainly which planned backends this build does not contain, rather than leaving users to guess.
        foreach (var (name, what) in Planned)
        {
            if (!all.Any(b => string.Equals(b.Name, name, StringComparison.OrdinalIgnoreCase)))
                stdout.WriteLine(Row, name, "not built", $"{what}: not implemented in this build yet");
        }
    }
}
