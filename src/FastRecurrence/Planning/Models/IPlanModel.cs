using FastRecurrence.Planning.Solver;

namespace FastRecurrence.Planning.Models;

/// <summary>A kernel family's constraint model and the way a solution of it becomes a plan.</summary>
internal interface IPlanModel
{
    ConstraintModel Model { get; }
    KernelPlan ToPlan(Solution solution, IReadOnlyList<string> rationale);

    /// <summary>The model's variable values that a plan of this model encodes (the inverse of <see cref="ToPlan"/>).</summary>
    long[] ValuesOf(KernelPlan plan);
}
