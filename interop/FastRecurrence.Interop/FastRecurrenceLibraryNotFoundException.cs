namespace FastRecurrence.Interop;

/// <summary>
/// libfastrecurrence could not be loaded. The message lists every place that was searched (with the loader's error for
/// a file that exists but did not load) and says how to build it; <see cref="Searched"/> holds the same list.
/// </summary>
public sealed class FastRecurrenceLibraryNotFoundException : DllNotFoundException
{
    public FastRecurrenceLibraryNotFoundException()
    {
    }

    public FastRecurrenceLibraryNotFoundException(string message) : base(message)
    {
    }

    public FastRecurrenceLibraryNotFoundException(string message, Exception innerException) : base(message, innerException)
    {
    }

    public FastRecurrenceLibraryNotFoundException(string message, IReadOnlyList<string> searched) : base(message)
    {
        Searched = searched;
    }

    /// <summary>Every candidate, in search order, each with what happened to it.</summary>
    public IReadOnlyList<string> Searched { get; } = [];
}
