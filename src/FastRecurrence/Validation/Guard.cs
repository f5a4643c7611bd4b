using System.Runtime.CompilerServices;

namespace FastRecurrence.Validation;

/// <summary>
/// Throw helpers with one message format, so every bad argument reads the same way:
/// "{argument}: expected {what}, got {actual}."
/// </summary>
internal static class Guard
{
    public static void Positive(int value, string argument)
    {
        if (value < 1)
            throw new ArgumentOutOfRangeException(argument, value, $"{argument}: expected an integer >= 1, got {value}.");
    }

    /// <summary>An enum argument must be one of its named values.</summary>
    public static void Defined<TEnum>(TEnum value, string argument) where TEnum : struct, Enum
    {
        if (!Enum.IsDefined(value))
            throw new ArgumentOutOfRangeException(argument, value, $"{argument}: expected one of {string.Join(", ", Enum.GetNames<TEnum>())}, got {value}.");
    }

    public static void NonNegative(int value, string argument)
    {
        if (value < 0)
            throw new ArgumentOutOfRangeException(argument, value, $"{argument}: expected an integer >= 0, got {value}.");
    }

    /// <summary>Checks that a product of sizes fits one .NET span (the limit is <see cref="Array.MaxLength"/> elements).</summary>
    public static int ElementCount(string argument, string shape, params ReadOnlySpan<int> dims)
    {
        long count = 1;
        foreach (var d in dims)
        {
            count *= d;
            if (count > Array.MaxLength)
                throw new ArgumentOutOfRangeException(argument,
                    $"{argument}: the tensor {shape} would hold more than {Array.MaxLength} elements (the largest span .NET allows); split the problem.");
        }
        return (int)count;
    }

    /// <summary>A tensor's length must equal the product of its shape (or be 0 when <paramref name="optional"/>).</summary>
    public static void Length(int actual, int expected, string argument, bool optional,
        [InterpolatedStringHandlerArgument("actual", "expected", "optional")] ref ShapeText shape)
    {
        if (actual != expected && !(optional && actual == 0))
            throw new ArgumentException($"{argument}: expected {expected} elements (shape {shape.ToStringAndClear()}), got {actual}.", argument);
    }

    public static void Length(int actual, int expected, string argument,
        [InterpolatedStringHandlerArgument("actual", "expected")] ref ShapeText shape) =>
        Length(actual, expected, argument, false, ref shape);

    /// <summary>An optional tensor: empty means "absent", otherwise its length must equal the product of its shape.</summary>
    public static void OptionalLength(int actual, int expected, string argument, bool optional,
        [InterpolatedStringHandlerArgument("actual", "expected", "optional")] ref ShapeText shape) =>
        Length(actual, expected, argument, optional, ref shape);

    public static void NotNull(object? value, string argument)
    {
        if (value is null)
            throw new ArgumentNullException(argument, $"{argument}: expected a value, got null.");
    }
}
