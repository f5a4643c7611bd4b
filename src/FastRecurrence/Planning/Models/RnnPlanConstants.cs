namespace FastRecurrence.Planning.Models;

/// <summary>The constants every RNN kernel plan carries (fused and alternating): what the problem is.</summary>
internal static class RnnPlanConstants
{
    /// <summary>libfastrecurrence's range of FR_HEADS (interop/native/src/rnn_plan_checks.cpp): a model requires it.</summary>
    public const int MaxHeads = 65535;

    /// <summary>libfastrecurrence's range of FR_HEAD_SIZE: a model requires it.</summary>
    public const int MaxHeadSize = 65536;

    /// <summary>The requirements every RNN model states for the library's ranges of the problem's constants.</summary>
    public static void RequireLibraryRanges(Solver.ConstraintModel m, PlanRequest request)
    {
        m.Require((Solver.Expr)request.Heads <= MaxHeads, $"NH <= {MaxHeads} heads (libfastrecurrence's range of FR_HEADS)");
        m.Require((Solver.Expr)request.HeadSize <= MaxHeadSize, $"D <= {MaxHeadSize} units per head (libfastrecurrence's range of FR_HEAD_SIZE)");
    }

    public static Dictionary<string, long> For(PlanRequest request, int paddedHeadSize) => new()
    {
        ["FR_CELL"] = (int)request.Cell,
        ["FR_GATES"] = request.Cell.GateCount(),
        ["FR_STATES"] = request.Cell.StateCount(),
        ["FR_DTYPE"] = StorageType.Code(request.DataType),
        ["FR_BACKWARD"] = request.Direction == PlanDirection.Backward ? 1 : 0,
        ["FR_HEAD_SIZE"] = request.HeadSize,
        ["FR_HEAD_SIZE_PADDED"] = paddedHeadSize,
        ["FR_HEADS"] = request.Heads,
    };
}
