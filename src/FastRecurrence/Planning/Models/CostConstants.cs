namespace FastRecurrence.Planning.Models;

/// <summary>
/// The first-draft cost model's constants, in GPU cycles, in one place so the kernel issues can calibrate them
/// against measurements (tools/device). They only rank plans; they are not promises.
/// </summary>
internal static class CostConstants
{
    /// <summary>Dense tensor-core multiply-adds per SM per cycle (bf16/fp16, sm_80/sm_90 order of magnitude).</summary>
    public const long TensorMacsPerSmCycle = 1024;

    /// <summary>fp32 FMA per SM per cycle on CUDA cores (4 sub-partitions x 32 lanes).</summary>
    public const long FmaPerSmCycle = 128;

    /// <summary>Shared-memory bytes per SM per cycle.</summary>
    public const long SharedBytesPerSmCycle = 128;

    /// <summary>__syncthreads plus the pointwise cell update of a step.</summary>
    public const long BlockStepOverhead = 300;

    /// <summary>Cluster barrier plus the gather of h_{t-1} through distributed shared memory (fixed part).</summary>
    public const long ClusterStepOverhead = 900;

    /// <summary>Grid-wide barrier plus the round trip of h_{t-1} through L2 (fixed part).</summary>
    public const long GridStepOverhead = 2500;

    /// <summary>Distributed-shared-memory / L2 bytes per SM per cycle for the h exchange.</summary>
    public const long ExchangeBytesPerSmCycle = 32;

    /// <summary>
    /// L2 bytes per SM per cycle for the fused forward's streamed R tiles. An assumption, not a measurement: an L2 read
    /// rate of the order of 5 TB/s on an H100 is about 24 bytes per cycle for each of 132 SMs at 1.75 GHz. The device
    /// script times the streamed plans (tools/device/rnn_check.py) so a GPU run can calibrate it.
    /// </summary>
    public const long StreamedBytesPerSmCycle = 24;

    /// <summary>Extra cycles per step of the backward's pointwise part (more gates, carried cell gradients).</summary>
    public const long BackwardPointwiseOverhead = 300;
}
