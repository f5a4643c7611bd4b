using ILGPU;

namespace FastRecurrence.Ilgpu.Kernels;

/// <summary>output[i] = sum over tiles k of partial[k * output.Length + i]: the batch tiles' partial dR and dbias, in a
/// fixed order (deterministic).</summary>
internal static class SumTilesKernel
{
    public static void Run(Index1D i, ArrayView<float> partial, ArrayView<float> output, int tiles)
    {
        float sum = 0.0f;
        for (int k = 0; k < tiles; k++) sum += partial[k * output.Length + i];
        output[i] = sum;
    }
}
