namespace FastRecurrence.Ilgpu.Cells;

/// <summary>
/// The pointwise part of one cell for one unit, as ILGPU kernel code: an empty struct per cell, called through
/// default(TCell), so each kernel is specialised per cell at compile time (ILGPU's generic-struct pattern; static
/// abstract members are not used in kernels). Formulas: math.md sections 2 and 3, the same as src/FastRecurrence/Cells.
/// </summary>
internal interface IIlgpuCell
{
    /// <summary>Gates G, biases Gb and states S per unit: constants of the struct, so ILGPU unrolls the loops over them.</summary>
    int Gates { get; }
    int Biases { get; }
    int States { get; }

    /// <summary>The states after one step; wx, rh hold G values, bias Gb, prev S.</summary>
    Vec4 Forward(Vec4 wx, Vec4 rh, Vec4 bias, Vec4 prev);

    /// <summary>One unit's backward step given dL/d(next states).</summary>
    CellGradients Backward(Vec4 wx, Vec4 rh, Vec4 bias, Vec4 prev, Vec4 next, Vec4 dNext);
}

/// <summary>Activations in float, written once for every cell.</summary>
internal static class CellMath
{
    public static float Sigmoid(float x) => 1.0f / (1.0f + MathF.Exp(-x));

    public static float Tanh(float x) => MathF.Tanh(x);

    public static float Exp(float x) => MathF.Exp(x);

    /// <summary>log σ(x) without overflow: -log(1 + e^-x) for x >= 0, x - log(1 + e^x) below.</summary>
    public static float LogSigmoid(float x) => x >= 0.0f ? -MathF.Log(1.0f + MathF.Exp(-x)) : x - MathF.Log(1.0f + MathF.Exp(x));
}
