namespace FastRecurrence;

/// <summary>How a float32 problem's recurrent matmul R h may be computed on a GPU.</summary>
public enum MatmulPrecision
{
    /// <summary>fp32 products and sums (FMA): relative error about 1e-5 at T = 1024 (math.md section 7).</summary>
    Exact,

    /// <summary>
    /// Tensor cores in tf32 (R and h rounded to a 10-bit mantissa, fp32 accumulation; sm_80+): faster, relative error
    /// up to 5e-3. Only for float32 storage; 16-bit storage always uses its own tensor-core format.
    /// </summary>
    Tf32,
}
