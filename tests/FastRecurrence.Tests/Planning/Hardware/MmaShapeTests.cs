using FastRecurrence.Planning.Hardware;

namespace FastRecurrence.Tests.Planning.Hardware;

/// <summary>Each GPU lists the mma.sync shapes its architecture runs for each storage type, largest first.</summary>
[TestFixture]
public sealed class MmaShapeTests
{
    [TestCase("V100", DataType.Float16, "m8n8k4")]
    [TestCase("V100", DataType.BFloat16, "")]
    [TestCase("V100", DataType.Float32, "")]
    [TestCase("V100", DataType.Float64, "")]
    [TestCase("T4", DataType.Float16, "m16n8k8")]
    [TestCase("T4", DataType.BFloat16, "")]
    [TestCase("T4", DataType.Float32, "")]
    [TestCase("A100-40GB", DataType.Float16, "m16n8k16 m16n8k8")]
    [TestCase("A100-40GB", DataType.BFloat16, "m16n8k16 m16n8k8")]
    [TestCase("A100-40GB", DataType.Float32, "m16n8k8")]
    [TestCase("A100-80GB", DataType.Float64, "m8n8k4")]
    [TestCase("A10", DataType.Float64, "")]
    [TestCase("RTX-3090", DataType.BFloat16, "m16n8k16 m16n8k8")]
    [TestCase("L4", DataType.Float32, "m16n8k8")]
    [TestCase("RTX-4090", DataType.Float64, "")]
    [TestCase("H100-SXM", DataType.BFloat16, "m16n8k16 m16n8k8")]
    [TestCase("H100-PCIe", DataType.Float64, "m16n8k16 m16n8k8 m16n8k4 m8n8k4")]
    [TestCase("H200", DataType.Float64, "m16n8k16 m16n8k8 m16n8k4 m8n8k4")]
    [TestCase("B200", DataType.Float64, "m16n8k16 m16n8k8 m16n8k4 m8n8k4")]
    [TestCase("B200", DataType.Float16, "m16n8k16 m16n8k8")]
    [TestCase("RTX-5090", DataType.Float64, "")]
    [TestCase("RTX-5090", DataType.Float32, "m16n8k8")]
    public void MmaShapes_FollowTheArchitecture(string gpu, DataType type, string shapes)
    {
        var names = GpuCatalog.Find(gpu).MmaShapes(type).Select(s => s.Name);
        Assert.That(string.Join(' ', names), Is.EqualTo(shapes));
    }

    [Test]
    public void MmaShapes_RejectsAnUndefinedType()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => GpuCatalog.Find("H100-SXM").MmaShapes((DataType)42));
        Assert.That(ex!.Message, Does.StartWith("type: expected one of Float32, Float64, BFloat16, Float16"));
    }

    [Test]
    public void Shape_IsNamedAsPtxWritesIt()
    {
        var shape = new MmaShape(16, 8, 16);
        Assert.That(shape.Name, Is.EqualTo("m16n8k16"));
        Assert.That(shape.ToString(), Is.EqualTo("m16n8k16"));
        Assert.That((shape.M, shape.N, shape.K), Is.EqualTo((16, 8, 16)));
    }
}
