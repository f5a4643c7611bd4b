namespace FastRecurrence.Ilgpu.Cells;

/// <summary>
/// Up to four values of one hidden unit (its gates, biases or states) in registers: kernels index it with loop
/// variables bounded by the cell's counts, which ILGPU turns into selects instead of local memory.
/// </summary>
internal struct Vec4
{
    public float V0, V1, V2, V3;

    public float this[int index]
    {
        readonly get => index switch { 0 => V0, 1 => V1, 2 => V2, _ => V3 };
        set
        {
            switch (index)
            {
                case 0: V0 = value; break;
                case 1: V1 = value; break;
                case 2: V2 = value; break;
                default: V3 = value; break;
            }
        }
    }
}

/// <summary>What one unit's backward step produces (math.md section 3): dL/dWx, dL/d(R y), dL/dbias, and the pointwise
/// part of dL/d(previous states).</summary>
internal struct CellGradients
{
    public Vec4 DWx, DRh, DBias, DPrev;
}
