using FastRecurrence.Ilgpu;

namespace FastRecurrence.Tests.Ilgpu;

/// <summary>Every ILGPU kernel compiles to PTX without a GPU (the ilgpu-cuda path is checked in CI even where it cannot run).</summary>
[TestFixture]
public sealed class IlgpuPtxTests
{
    [TestCase(8, 0)]
    [TestCase(9, 0)]
    public void EveryKernel_CompilesToPtx(int major, int minor)
    {
        var kernels = IlgpuPtx.CompileAll(major, minor);

        Assert.That(kernels.Select(k => k.Name), Is.EquivalentTo(new[]
        {
            "lstm forward", "lstm backward", "gru forward", "gru backward", "slstm forward", "slstm backward",
            "elman forward", "elman backward", "scan forward", "scan backward", "sum tiles",
        }));
        Assert.Multiple(() =>
        {
            foreach (var kernel in kernels)
            {
                Assert.That(kernel.Ptx, Does.Contain(".version 7.8").And.Contain(".visible .entry"), kernel.Name);
                var recurrent = !kernel.Name.StartsWith("scan", StringComparison.Ordinal) && kernel.Name != "sum tiles";
                if (recurrent)
                    Assert.That(kernel.Ptx, Does.Contain("bar.sync"), $"{kernel.Name}: group barriers between the phases of a step");
            }
            Assert.That(kernels.Single(k => k.Name == "scan forward").Ptx, Does.Contain("shfl.sync"), "warp scan by shuffles");
            Assert.That(kernels.Single(k => k.Name == "lstm forward").Ptx, Does.Contain("__dyn_shared_alloca"), "dynamic shared memory");
        });
    }
}
