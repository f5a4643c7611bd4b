using System.Reflection;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using FastRecurrence.Interop;

namespace FastRecurrence.Tests.Native;

/// <summary>
/// interop/FastRecurrence.Interop mirrors fastrecurrence.h one to one: every FR_API function of the header (embedded in
/// this assembly at build time) has a LibraryImport of the same entry point, in the header's order, named by PascalCasing
/// the C name, with as many parameters (every overload), and nothing is imported that the header does not declare. A function added to the header without its
/// declaration fails here, not in a caller who needs it. Needs no library: it reads declarations only.
/// </summary>
[TestFixture]
public sealed partial class InteropMirrorTests
{
    // a declaration: FR_API <return type> fr_name(<parameters>); the header's parameters hold no parentheses
    [GeneratedRegex(@"^FR_API\s+[^;{]*?\b(fr_[a-z0-9_]+)\s*\(([^)]*)\)\s*;", RegexOptions.Multiline)]
    private static partial Regex FrApiFunction();

    /// <summary>The header's functions in order, each with its parameter count ("void" and "()" have none).</summary>
    private static List<(string Name, int Parameters)> HeaderDeclarations()
    {
        using var stream = typeof(InteropMirrorTests).Assembly.GetManifestResourceStream("fastrecurrence.h")
            ?? throw new InvalidOperationException("fastrecurrence.h: not embedded in the test assembly (see the .csproj).");
        using var reader = new StreamReader(stream);
        return [.. FrApiFunction().Matches(reader.ReadToEnd()).Select(m =>
        {
            var parameters = m.Groups[2].Value.Trim();
            return (m.Groups[1].Value, parameters is "" or "void" ? 0 : parameters.Count(c => c == ',') + 1);
        })];
    }

    private static List<string> HeaderFunctions() => [.. HeaderDeclarations().Select(d => d.Name)];

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
    public void EveryImport_TakesAsManyParametersAsTheHeadersDeclaration()
    {
        var header = HeaderDeclarations().ToDictionary(d => d.Name, d => d.Parameters);
        Assert.That(header["fr_rnn_backward"], Is.EqualTo(17), "the parameter count of a known declaration");
        Assert.Multiple(() =>
        {
            foreach (var method in typeof(FastRecurrenceNative).GetMethods(BindingFlags.Public | BindingFlags.Static))
            {
                if (method.GetCustomAttribute<LibraryImportAttribute>() is not { } import) continue;
                var entryPoint = import.EntryPoint ?? method.Name;
                if (header.TryGetValue(entryPoint, out var expected))
                    Assert.That(method.GetParameters(), Has.Length.EqualTo(expected), $"{method.Name} ({entryPoint})");
            }
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
