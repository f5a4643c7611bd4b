namespace FastRecurrence.Planning.Models;

/// <summary>The constants every RNN kernel plan carries (fused and alternating): what the problem is.</summary>
internal static class RnnPlanConstants
{
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
