using FastRecurrence.Cli.Errors;
using FastRecurrence.Planning;

namespace FastRecurrence.Cli.Planning;

/// <summary>The --dtype and --family names users type, and what the planner takes for them.</summary>
internal static class PlanChoices
{
    private static readonly (string Name, DataType Type)[] DataTypes =
    [
        ("fp32", DataType.Float32),
        ("bf16", DataType.BFloat16),
        ("fp16", DataType.Float16),
        ("fp64", DataType.Float64),
        // Long spellings, as NumPy / PyTorch write them; not listed in the help.
        ("float32", DataType.Float32),
        ("bfloat16", DataType.BFloat16),
        ("float16", DataType.Float16),
        ("half", DataType.Float16),
        ("float64", DataType.Float64),
    ];

    /// <summary>The kernel families, plus "auto" (null): fused when it fits, else alternating.</summary>
    private static readonly (string Name, KernelFamily? Family)[] Families =
    [
        ("auto", null),
        ("fused", KernelFamily.Fused),
        ("alternating", KernelFamily.Alternating),
        ("scan", KernelFamily.Scan),
    ];

    public const string DataTypeChoices = "fp32|bf16|fp16|fp64";

    public static string FamilyChoices => string.Join("|", Families.Select(f => f.Name));

    public static DataType ParseDataType(string name)
    {
        foreach (var (known, type) in DataTypes)
        {
            if (string.Equals(known, name, StringComparison.OrdinalIgnoreCase))
                return type;
        }
        throw new CliInputException($"--dtype: unknown data type '{name}'; expected one of {DataTypeChoices.Replace("|", ", ", StringComparison.Ordinal)}.");
    }

    /// <summary>The family named <paramref name="name"/>; null for "auto".</summary>
    public static KernelFamily? ParseFamily(string name)
    {
        foreach (var (known, family) in Families)
        {
            if (string.Equals(known, name, StringComparison.OrdinalIgnoreCase))
                return family;
        }
        throw new CliInputException($"--family: unknown kernel family '{name}'; expected one of {string.Join(", ", Families.Select(f => f.Name))}.");
    }

    public static bool IsScan(string? family) => string.Equals(family, "scan", StringComparison.OrdinalIgnoreCase);
}
