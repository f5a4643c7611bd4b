namespace FastRecurrence.Ilgpu.Kernels;

/// <summary>
/// The problem and plan constants a recurrent kernel needs, passed by value (a kernel parameter). Layouts are those of
/// <see cref="RecurrentInputs{T}"/>: Wx [B, T, G, H], R [G, NH, D, D], bias [Gb, H], states [S, B, H],
/// all states [S, B, T, H], y [B, T, H], with H = NH D.
/// </summary>
internal struct RecurrentKernelShape
{
    public int Batch, Steps, Heads, HeadSize, Gates, Biases, States;
    public int BatchTile;
    /// <summary>1: R (backward also dR) lives in shared memory for the whole sequence; 0: global memory.</summary>
    public int WeightsInShared;
    public int HasInitialStates, WriteAllStates, WriteLastStates, HasLastStateGradients, WriteInitialGradients;
    /// <summary>1: a lengths view [B] masks each sequence's steps at or past its length; 0: every sequence runs T steps.</summary>
    public int HasLengths;

    public readonly int Hidden => Heads * HeadSize;
    public readonly int WeightsPerHead => Gates * HeadSize * HeadSize;

    public static RecurrentKernelShape For(RecurrentProblem p, Planning.Ilgpu.IlgpuRecurrentPlan plan) => new()
    {
        Batch = p.Batch,
        Steps = p.TimeSteps,
        Heads = p.Heads,
        HeadSize = p.HeadSize,
        Gates = p.GateCount,
        Biases = p.BiasCount,
        States = p.StateCount,
        BatchTile = plan.BatchTile,
        WeightsInShared = plan.WeightsInShared ? 1 : 0,
    };
}
