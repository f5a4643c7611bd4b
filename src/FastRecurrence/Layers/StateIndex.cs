namespace FastRecurrence.Layers;

/// <summary>
/// The check of the outputs' State(index): an index past the cell's states would otherwise surface as a bare
/// IndexOutOfRangeException from the sizes list, naming neither the argument nor how many states there are.
/// </summary>
internal static class StateIndex
{
    public static void Check(int index, int stateCount)
    {
        if (index < 0 || index >= stateCount)
            throw new ArgumentOutOfRangeException(nameof(index), index,
                $"index: expected a state index in 0..{stateCount - 1} (the cell has {stateCount} state{(stateCount == 1 ? "" : "s")}), got {index}.");
    }
}
