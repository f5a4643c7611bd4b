using FastRecurrence.Backends;
using FastRecurrence.Bench.Configuration;
using FastRecurrence.Bench.Recurrent;
using FastRecurrence.Bench.Scans;

namespace FastRecurrence.Bench.Tests;

/// <summary>
/// The GPU suites' device-buffer runners (what GpuRecurrentBenchmarks and GpuScanBenchmarks time on the native backend)
/// on cuda-emulated, the same kernels on the CPU: every cell's forward and training step and the scan run in fp32 and
/// bf16 without error, so a lent GPU's first run of the suites is not their first run at all.
/// </summary>
[TestFixture]
public sealed class DeviceRunnerTests
{
    private const string Emulated = "cuda-emulated";

    [SetUp]
    public void RequireEmulator()
    {
        var backend = RecurrenceBackends.Get(Emulated);
        if (!backend.Availability.IsAvailable)
            Assert.Fail($"{Emulated} must run here: {backend.Availability.Reason}");
    }

    [TestCase(CellKind.Lstm, DataType.Float32)]
    [TestCase(CellKind.Gru, DataType.BFloat16)]
    [TestCase(CellKind.SLstm, DataType.BFloat16)]
    [TestCase(CellKind.Elman, DataType.Float32)]
    public void RecurrentRunner_OnDeviceBuffers_RunsForwardAndTrainingStep(CellKind cell, DataType type)
    {
        var problem = new RecurrentProblem(cell, 2, 3, 2, 8, 16, type);
        using var runner = type == DataType.BFloat16
            ? (RecurrentRunner)new DeviceRecurrentRunner<ushort>(problem, Emulated, SeededData.ToBFloat16Bits)
            : new DeviceRecurrentRunner<float>(problem, Emulated, values => values);
        Assert.DoesNotThrow(runner.Forward);
        Assert.DoesNotThrow(runner.ForwardBackward);
    }

    [TestCase(DataType.Float32)]
    [TestCase(DataType.BFloat16)]
    public void ScanRunner_OnDeviceBuffers_RunsForwardAndBackward(DataType type)
    {
        var problem = new ScanProblem(2, 33, 2, 4, type);
        using var runner = type == DataType.BFloat16
            ? (ScanRunner)new DeviceScanRunner<ushort>(problem, Emulated, SeededData.ToBFloat16Bits)
            : new DeviceScanRunner<float>(problem, Emulated, values => values);
        Assert.DoesNotThrow(runner.Forward);
        Assert.DoesNotThrow(runner.Backward);
    }

    [Test]
    public void BFloat16Bits_RoundToNearestEven()
    {
        var bits = SeededData.ToBFloat16Bits([1.0f, -2.5f, BitConverter.UInt32BitsToSingle(0x3F808000u), BitConverter.UInt32BitsToSingle(0x3F818000u)]);
        Assert.That(bits, Is.EqualTo(new ushort[] { 0x3F80, 0xC020, 0x3F80, 0x3F82 }));
    }
}
