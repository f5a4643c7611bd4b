namespace FastRecurrence.Planning.Solver;

/// <summary>Whether the objective is minimised or maximised.</summary>
public enum ObjectiveSense
{
    Minimize,
    Maximize,
}

/// <summary>
/// A constraint satisfaction problem under construction: variables with domains and value orders, named constraints,
/// an optional objective. Knows nothing about kernels; the planner's models (Planning/Models) build these.
/// </summary>
public sealed class ConstraintModel
{
    private readonly List<IntVar> _variables = [];
    private readonly List<Constraint> _constraints = [];

    public IReadOnlyList<IntVar> Variables => _variables;
    public IReadOnlyList<Constraint> Constraints => _constraints;
    public Expr? Objective { get; private set; }
    public ObjectiveSense Sense { get; private set; }

    /// <summary>Adds a variable. Search tries <paramref name="preferred"/> values first, then the rest in <paramref name="order"/>.</summary>
    public IntVar NewVar(string name, Domain domain, ValueOrder order = ValueOrder.Ascending, params long[] preferred)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(domain);
        if (_variables.Any(v => v.Name == name))
            throw new ArgumentException($"{nameof(name)}: the model already has a variable named '{name}'.", nameof(name));
        var variable = new IntVar(_variables.Count, name, domain, order, preferred);
        _variables.Add(variable);
        return variable;
    }

    /// <summary>Adds a constraint with the words an explanation of a conflict will use for it.</summary>
    public Constraint Require(Constraint constraint, string description)
    {
        ArgumentNullException.ThrowIfNull(constraint);
        ArgumentException.ThrowIfNullOrWhiteSpace(description);
        foreach (var v in constraint.Variables)
            if (v.Index >= _variables.Count || !ReferenceEquals(_variables[v.Index], v))
                throw new ArgumentException($"{nameof(constraint)}: variable '{v.Name}' belongs to another model.", nameof(constraint));
        var described = constraint.Described(description);
        _constraints.Add(described);
        return described;
    }

    public void Minimize(Expr objective) => SetObjective(objective, ObjectiveSense.Minimize);

    public void Maximize(Expr objective) => SetObjective(objective, ObjectiveSense.Maximize);

    private void SetObjective(Expr objective, ObjectiveSense sense)
    {
        ArgumentNullException.ThrowIfNull(objective);
        Objective = objective;
        Sense = sense;
    }
}
