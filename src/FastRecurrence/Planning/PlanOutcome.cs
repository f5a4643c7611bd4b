namespace FastRecurrence.Planning;

/// <summary>A plan, or the precise reason there is none (the binding limits, in words).</summary>
public sealed class PlanOutcome
{
    private PlanOutcome(KernelPlan? plan, string? reason, IReadOnlyList<string> attempts)
    {
        Plan = plan;
        Reason = reason;
        Attempts = attempts;
    }

    public static PlanOutcome Success(KernelPlan plan, IReadOnlyList<string> attempts) => new(plan, null, attempts);
    public static PlanOutcome Failure(string reason, IReadOnlyList<string> attempts) => new(null, reason, attempts);

    public KernelPlan? Plan { get; }

    /// <summary>Why no plan exists (null when there is one).</summary>
    public string? Reason { get; }

    /// <summary>What was tried, one line per regime or variant, with its cost or why it failed.</summary>
    public IReadOnlyList<string> Attempts { get; }

    public bool HasPlan => Plan is not null;

    /// <summary>The plan, or <see cref="PlanningException"/> with the reason.</summary>
    public KernelPlan Require() => Plan ?? throw new PlanningException(Reason!);
}

/// <summary>Thrown when a problem has no plan on a GPU; the message names the binding limits.</summary>
public sealed class PlanningException(string message) : InvalidOperationException(message);
