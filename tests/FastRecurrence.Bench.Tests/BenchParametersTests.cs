using FastRecurrence.Bench.Configuration;

namespace FastRecurrence.Bench.Tests;

/// <summary>The parameter objects of the suites: their text keys read back, their order puts baselines and small shapes first.</summary>
[TestFixture]
public sealed class BenchParametersTests
{
    [Test]
    public void SequenceShape_ReadsBackItsOwnText()
    {
        var shape = new SequenceShape(16, 1024, 12, 64);
        Assert.Multiple(() =>
        {
            Assert.That(shape.ToString(), Is.EqualTo("B16 T1024 12x64"));
            Assert.That(SequenceShape.Parse(shape.ToString()), Is.EqualTo(shape));
            Assert.That(shape.Hidden, Is.EqualTo(768));
            Assert.That(shape.Elements, Is.EqualTo(16L * 1024 * 768));
        });
    }

    [TestCase("")]
    [TestCase("B16 T1024")]
    [TestCase("B16 T1024 12*64")]
    [TestCase("X16 T1024 12x64")]
    [TestCase("B-1 T1024 12x64")]
    public void SequenceShape_RefusesOtherText(string text) =>
        Assert.That(() => SequenceShape.Parse(text), Throws.InstanceOf<FormatException>());

    [Test]
    public void SequenceShapes_OrderByNumbers_NotByText()
    {
        SequenceShape[] shapes = [new(16, 1024, 1, 1024), new(16, 1024, 12, 64), new(16, 1024, 1, 128), new(16, 1024, 1, 768)];
        Assert.That(shapes.Order().Select(s => s.ToString()),
            Is.EqualTo(new[] { "B16 T1024 1x128", "B16 T1024 1x768", "B16 T1024 12x64", "B16 T1024 1x1024" }));
    }

    [Test]
    public void BackendVariants_OrderBaselineFirst()
    {
        BackendVariant[] variants =
        [
            new("cuda", DataType.BFloat16), new("ilgpu-cpu", DataType.Float32), new("cuda", DataType.Float32),
            new("reference", DataType.Float32), new("ilgpu-cuda", DataType.Float32),
        ];
        Assert.That(variants.Order().Select(v => v.ToString()),
            Is.EqualTo(new[] { "reference/fp32", "ilgpu-cpu/fp32", "ilgpu-cuda/fp32", "cuda/fp32", "cuda/bf16" }));
    }

    [Test]
    public void OnlyTheIlgpuCudaVariant_IncludesCopies_AndOnlyCudaIsDeviceResident()
    {
        Assert.Multiple(() =>
        {
            Assert.That(new BackendVariant("ilgpu-cuda", DataType.Float32).IncludesHostDeviceCopies, Is.True);
            Assert.That(new BackendVariant("cuda", DataType.BFloat16).IncludesHostDeviceCopies, Is.False);
            Assert.That(new BackendVariant("cuda", DataType.BFloat16).DeviceResident, Is.True);
            Assert.That(new BackendVariant("reference", DataType.Float32).DeviceResident, Is.False);
        });
    }

    [Test]
    public void WithoutAGpu_TheGpuSuitesHaveNoVariants_AndTheCpuSuitesHaveTheReferenceFirst()
    {
        Assume.That(BackendVariant.Gpu(), Is.Empty, "this machine has a GPU backend; the GPU suites then run");
        Assert.That(BackendVariant.Cpu().First().ToString(), Is.EqualTo("reference/fp32"));
    }

    [Test]
    public void FullSweeps_ListEachShapeOnce_AndCoverTheTargetsShapes()
    {
        var gpu = BenchShapes.GpuRecurrent(BenchSuiteKind.Full).ToArray();
        Assert.Multiple(() =>
        {
            Assert.That(gpu, Is.Unique);
            Assert.That(gpu, Does.Contain(new SequenceShape(16, 1024, 1, 768)));
            Assert.That(gpu, Does.Contain(new SequenceShape(16, 1024, 12, 64)));
            Assert.That(gpu, Does.Contain(new SequenceShape(16, 1024, 1, 2560)));
            Assert.That(BenchShapes.GpuRecurrent(BenchSuiteKind.Quick), Is.SubsetOf(gpu));
            Assert.That(BenchShapes.GpuScan(BenchSuiteKind.Quick), Does.Contain(new SequenceShape(8, 16384, 24, 64)));
            Assert.That(BenchShapes.CpuRecurrent(BenchSuiteKind.Full), Is.Unique);
        });
    }
}
