namespace FastRecurrence.Planning;

/// <summary>A plan, or the precise reason there is none (the binding limits, in words).</summary>
public sealed class PlanOutcome
{
    private readonly Lazy<string>? _reason;

    private PlanOutcome(KernelPlan? plan, Func<string>? reason, IReadOnlyList<string> attempts)
    {
        Plan = plan;
        _reason = reason is null ? null : new Lazy<string>(reason);
        Attempts = attempts;
    }

    public static PlanOutcome Success(KernelPlan plan, IReadOnlyList<string> attempts) => new(plan, null, attempts);
    public static PlanOutcome Failure(string reason, IReadOnlyList<string> attempts) => new(null, () => reason, attempts);

    /// <summary>A failure whose full reason (minimal conflicting constraints) is only computed when read.</summary>
    public static PlanOutcome Failure(Func<string> reason, IReadOnlyList<string> attempts) => new(null, reason, attempts);

    public KernelPlan? Plan { get; }

    /// <summary>
    /// Why no plan exists, naming the binding limits (null when there is one). The first read computes the minimal
    /// conflicts (tens of milliseconds); <see cref="Attempts"/> holds a cheap one-line reason per variant.
    /// </summary>
    public string? Reason => _reason?.Value;

    /// <summary>What was tried, one line per regime or variant, with its cost or why it failed.</summary>
    public IReadOnlyList<string> Attempts { get; }

    public bool HasPlan => Plan is not null;

    /// <summary>The plan, or <see cref="PlanningException"/> with the reason.</summary>
    public KernelPlan Require() => Plan ?? throw new PlanningException(Reason!);
}

/// <summary>Thrown when a problem has no plan on a GPU; the message names the binding limits.</summary>
public sealed class PlanningException(string message) : InvalidOperationException(message);
