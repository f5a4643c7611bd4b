using FastRecurrence.Backends;

namespace FastRecurrence.Tests.Cli;

/// <summary>`devices` lists every registered backend with its availability, and says which planned ones are not built.</summary>
[TestFixture]
public sealed class DevicesCommandTests
{
    [Test]
    public void Devices_ListsEveryBackendWithAvailability()
    {
        var result = CliWorkspace.Run("devices");

        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        Assert.That(result.Stderr, Is.Empty);
        Assert.That(result.Stdout, Does.Contain("reference").And.Contain("available"));
        foreach (var backend in RecurrenceBackends.All)
            Assert.That(result.Stdout, Does.Contain(backend.Name).And.Contain(backend.Availability.Reason));
    }

    [Test]
    public void Devices_SaysWhichPlannedBackendsAreNotBuilt()
    {
        var result = CliWorkspace.Run("devices");

        foreach (var planned in new[] { "ilgpu-cpu", "ilgpu-cuda", "ilgpu-opencl", "cuda", "cuda-emulated" })
        {
            var registered = RecurrenceBackends.All.Any(b => string.Equals(b.Name, planned, StringComparison.OrdinalIgnoreCase));
            var line = result.Stdout.Split('\n').FirstOrDefault(l => l.StartsWith(planned + " ", StringComparison.OrdinalIgnoreCase));
            Assert.That(line, Is.Not.Null, $"{planned} is listed");
            Assert.That(line!.Contains("not built", StringComparison.Ordinal), Is.EqualTo(!registered), line);
        }
    }
}
