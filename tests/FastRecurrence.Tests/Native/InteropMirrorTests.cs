using System.Reflection;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using FastRecurrence.Interop;

namespace FastRecurrence.Tests.Native;

/// <summary>
/// interop/FastRecurrence.Interop mirrors fastrecurrence.h one to one: every FR_API function of the header (embedded in
/// this assembly at build time) has a LibraryImport of the same entry point, in the header's order, named by PascalCasing
/// the C name, and nothing is imported that the header does not declare. A function added to the header without its
/// declaration fails here, not in a caller who needs it. Needs no library: it reads declarations only.
/// </summary>
[TestFixture]
public sealed partial class InteropMirrorTests
{
    [GeneratedRegex(@"^FR_API\s+[^;{]*?\b(fr_[a-z0-9_]+)\s*\(", RegexOptions.Multiline)]
    private static partial Regex FrApiFunction();

    private static List<string> HeaderFunctions()
    {
        using var stream = typeof(InteropMirrorTests).Assembly.GetManifestResourceStream("fastrecurrence.h")
            ?? throw new InvalidOperationException("fastrecurrence.h: not embedded in the test assembly (see the .csproj).");
        using var reader = new StreamReader(stream);
        return [.. FrApiFunction().Matches(reader.ReadToEnd()).Select(m => m.Groups[1].Value)];
    }

    /// <summary>The entry points in declaration order, each once (an overload of the same entry point counts once).</summary>
    private static List<(string EntryPoint, string Method)> Imports() =>
        [.. typeof(FastRecurrenceNative).GetMethods(BindingFlags.Public | BindingFlags.Static)
            .Select(m => (Method: m, Import: m.GetCustomAttribute<LibraryImportAttribute>()))
            .Where(x => x.Import is not null)
            .OrderBy(x => x.Method.MetadataToken)
            .Select(x => (x.Import!.EntryPoint ?? x.Method.Name, x.Method.Name))
            .DistinctBy(x => x.Item1)];

    [Test]
    public void Header_HasTheFunctionsThisTestExpectsToFind()
    {
        // guards the pattern itself: a regex that matched nothing would make the mirror check pass vacuously
        var functions = HeaderFunctions();
        Assert.That(functions, Has.Count.GreaterThanOrEqualTo(30));
        Assert.That(functions, Does.Contain("fr_abi_version").And.Contain("fr_rnn_pack_recurrent").And.Contain("fr_linear"));
    }

    [Test]
    public void EveryHeaderFunction_IsImported_InTheHeadersOrder()
    {
        var imported = Imports().Select(i => i.EntryPoint).ToList();
        var header = HeaderFunctions();
        Assert.Multiple(() =>
        {
            Assert.That(header.Except(imported), Is.Empty, "declared in fastrecurrence.h, not imported by FastRecurrenceNative");
            Assert.That(imported.Except(header), Is.Empty, "imported by FastRecurrenceNative, not declared in fastrecurrence.h");
            Assert.That(imported, Is.EqualTo(header), "the interop keeps the header's order");
        });
    }

    [Test]
    public void EveryImport_IsNamedByPascalCasingItsEntryPoint()
    {
        foreach (var (entryPoint, method) in Imports())
        {
            var expected = string.Concat(entryPoint.Split('_').Select(part => char.ToUpperInvariant(part[0]) + part[1..]));
            Assert.That(method, Is.EqualTo(expected), entryPoint);
        }
    }
}
