using System.Numerics;

namespace FastRecurrence.Layers;

/// <summary>
/// The input projection Wx = x W_ih^T over all B*T rows (off the sequential critical path), and its backward.
/// x [B*T, I], W_ih [G*H, I], Wx [B*T, G*H] (which is the [B, T, G, NH, D] layout).
/// </summary>
internal static class InputProjection
{
    public static void Forward<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> weightIh, int rows, int inputSize, int outputs, Span<T> wx)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (var row = 0; row < rows; row++)
        {
            var xRow = x.Slice(row * inputSize, inputSize);
            for (var o = 0; o < outputs; o++)
            {
                var w = weightIh.Slice(o * inputSize, inputSize);
                var sum = T.Zero;
                for (var i = 0; i < inputSize; i++)
                    sum += xRow[i] * w[i];
                wx[row * outputs + o] = sum;
            }
        }
    }

    /// <summary>dx = dWx W_ih; dW_ih = dWx^T x.</summary>
    public static void Backward<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> weightIh, ReadOnlySpan<T> dWx, int rows, int inputSize,
        int outputs, Span<T> dx, Span<T> dWeightIh)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        dx.Clear();
        dWeightIh.Clear();
        for (var row = 0; row < rows; row++)
        {
            var xRow = x.Slice(row * inputSize, inputSize);
            var dxRow = dx.Slice(row * inputSize, inputSize);
            for (var o = 0; o < outputs; o++)
            {
                var grad = dWx[row * outputs + o];
                var w = weightIh.Slice(o * inputSize, inputSize);
                var dw = dWeightIh.Slice(o * inputSize, inputSize);
                for (var i = 0; i < inputSize; i++)
                {
                    dxRow[i] += grad * w[i];
                    dw[i] += grad * xRow[i];
                }
            }
        }
    }
}
