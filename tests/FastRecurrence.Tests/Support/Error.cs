using NUnit.Framework.Constraints;

namespace FastRecurrence.Tests.Support;

/// <summary>
/// Bounds on a computed error that NaN fails. NUnit's Is.LessThan / Is.LessThanOrEqualTo compare with CompareTo, which
/// orders NaN below every number, so a NaN error (a NaN output, or Math.Max over one) passed them.
/// </summary>
internal static class Error
{
    public static IResolveConstraint AtMost(double bound) => Is.Not.NaN.And.LessThanOrEqualTo(bound);

    public static IResolveConstraint Below(double bound) => Is.Not.NaN.And.LessThan(bound);
}
