using System.Text.Json;
using FastRecurrence.Backends.Cuda;
using FastRecurrence.Interop;
using FastRecurrence.Planning;
using FastRecurrence.Planning.Hardware;

namespace FastRecurrence.Tests.Native;

/// <summary>
/// tools/python/compile_ahead.py: every module of some plans (the library's fr_plan_module list) compiled for one
/// arch in parallel threads into the cubin cache, what the GPU session does before its checks so they only load.
/// Needs NVRTC, no GPU. python3 comes with .ci/run's script checkers; without it the test is ignored.
/// </summary>
[TestFixture]
public sealed class CompileAheadTests
{
    [SetUp]
    public void Nvrtc() => NativeTestEnvironment.RequireNvrtc();

    [Test]
    public void CompileAhead_CompilesEachDistinctModuleOnce_AndASecondRunFindsThemAllCached()
    {
        var gpu = GpuCatalog.Find("H100-SXM");
        PlanRequest Request(PlanDirection direction, bool lengths = false) =>
            new(KernelFamily.Fused, CellKind.Lstm, DataType.BFloat16, 4, 2, 64, direction, 8) { Lengths = lengths };
        var forward = Planner.Plan(gpu, Request(PlanDirection.Forward)).Plan!;
        var lengths = Planner.Plan(gpu, Request(PlanDirection.Forward, lengths: true)).Plan!;
        var backward = Planner.Plan(gpu, Request(PlanDirection.Backward)).Plan!;
        // the forward twice (one module), the forward as calls with lengths use it (the library adds FR_LENGTHS), the
        // planner's lengths plan (FR_LENGTHS already in it), the backward and its reductions
        var plans = new[] { (forward, false), (forward, true), (lengths, true), (backward, false), (forward, false) }
            .Select(p => WithLengths(PlanLaunch.ToAbiJson(p.Item1), p.Item2));
        var (file, cache) = PlansFile("compile-ahead", plans);

        var first = Run(file, cache);
        string Key(IReadOnlyDictionary<string, long> defines) =>
            string.Join(",", defines.OrderBy(d => d.Key, StringComparer.Ordinal).Select(d => $"{d.Key}={d.Value}"));
        var keys = first.Select(m => m.Source + ":" + Key(m.Defines)).ToList();
        var forwardKey = "rnn_forward:" + Key(forward.Constants);
        var forwardWithLengths = "rnn_forward:" + Key(new Dictionary<string, long>(forward.Constants) { ["FR_LENGTHS"] = 1 });
        var lengthsKey = "rnn_forward:" + Key(new Dictionary<string, long>(lengths.Constants) { ["FR_LENGTHS"] = 1 });
        Assert.Multiple(() =>
        {
            Assert.That(keys, Is.Unique, "each distinct module once");
            Assert.That(keys, Has.Exactly(1).EqualTo(forwardKey), "the forward plan's own build");
            Assert.That(keys, Has.Exactly(1).EqualTo(forwardWithLengths), "the forward's build for calls with lengths");
            Assert.That(keys, Has.Exactly(1).EqualTo(lengthsKey), "the lengths plan's build");
            Assert.That(first.Count(m => m.Source == "rnn_backward"), Is.EqualTo(1));
            Assert.That(first.Count(m => m.Source == "rnn_gradients"), Is.EqualTo(1), "the backward's reductions");
            Assert.That(first, Has.Count.EqualTo(new[] { forwardKey, forwardWithLengths, lengthsKey }.Distinct().Count() + 2));
            Assert.That(first.Select(m => m.Status), Is.All.Zero, string.Join("; ", first.Select(m => m.Message)));
            Assert.That(first.Select(m => m.CacheHit), Is.All.False, "a fresh cache folder");
        });
        var second = Run(file, cache);
        Assert.That(second.Select(m => (m.Source, m.Status, m.CacheHit)),
            Is.EqualTo(first.Select(m => (m.Source, 0, true))), "what a call would load is now in the cache");
    }

    [Test]
    public void CompileAhead_ReportsAPlanTheLibraryRefuses_CompilesTheRest_AndExitsOne()
    {
        var plan = Planner.Plan(GpuCatalog.Find("H100-SXM"),
            new PlanRequest(KernelFamily.Fused, CellKind.Elman, DataType.Float32, 4, 1, 32, PlanDirection.Forward, 8)).Plan!;
        const string Refused = """{"source_name": "nope", "defines": {}, "grid": [1, 1, 1], "block": [32, 1, 1], "cluster": [1, 1, 1], "shared_bytes": 0, "kind": "plain"}""";
        var (file, cache) = PlansFile("compile-ahead-refused", [Refused, PlanLaunch.ToAbiJson(plan)]);
        var (code, output) = Python(file, cache);
        Assert.That(code, Is.EqualTo(1), output);
        using var json = JsonDocument.Parse(output);
        var results = json.RootElement.EnumerateArray().ToList();
        Assert.That(results, Has.Count.EqualTo(2), output);
        Assert.Multiple(() =>
        {
            Assert.That(results[0].GetProperty("status").GetInt32(), Is.EqualTo((int)FrStatus.ErrorInvalidArgument), output);
            Assert.That(results[0].GetProperty("message").GetString(), Does.Contain("plan.source_name"), output);
            Assert.That(results[1].GetProperty("source").GetString(), Is.EqualTo("rnn_forward"), output);
            Assert.That(results[1].GetProperty("status").GetInt32(), Is.Zero, output);
        });
    }

    [Test]
    public void CompileAhead_ReportsAModuleThatDoesNotCompileForTheArch_AndExitsOne()
    {
        // bf16 plans multiply on mma.m16n8k16, which sm_75 lacks: refused before NVRTC, naming the need (decision 0040)
        var plan = Planner.Plan(GpuCatalog.Find("H100-SXM"),
            new PlanRequest(KernelFamily.Fused, CellKind.Gru, DataType.BFloat16, 4, 1, 32, PlanDirection.Forward, 8)).Plan!;
        var (file, cache) = PlansFile("compile-ahead-arch", [PlanLaunch.ToAbiJson(plan)]);
        var (code, output) = Python(file, cache, "sm_75");
        Assert.That(code, Is.EqualTo(1), output);
        using var json = JsonDocument.Parse(output);
        var module = json.RootElement.EnumerateArray().Single();
        Assert.That(module.GetProperty("status").GetInt32(), Is.EqualTo((int)FrStatus.ErrorUnsupported), output);
        Assert.That(module.GetProperty("message").GetString(),
            Does.Contain("options.arch: expected sm_80 or newer for a bf16 / fp16 recurrent plan"), output);
    }

    private sealed record Module(string Source, int Status, string Message, bool CacheHit, Dictionary<string, long> Defines);

    /// <summary>A fresh folder with the plans as compile_ahead.py reads them (a JSON list) and a cache folder path.</summary>
    private static (string File, string Cache) PlansFile(string purpose, IEnumerable<string> abiJsons)
    {
        var folder = NativeTestEnvironment.NewTemporaryFolder(purpose);
        var file = Path.Combine(folder, "plans.json");
        File.WriteAllText(file, "[" + string.Join(",", abiJsons) + "]");
        return (file, Path.Combine(folder, "cache"));
    }

    private static string WithLengths(string abiJson, bool lengths) =>
        lengths ? abiJson.TrimEnd().TrimEnd('}') + ", \"lengths\": true}" : abiJson;

    private static List<Module> Run(string plans, string cache)
    {
        var (code, output) = Python(plans, cache);
        Assert.That(code, Is.Zero, output);
        using var json = JsonDocument.Parse(output);
        return json.RootElement.EnumerateArray().Select(m => new Module(
            m.GetProperty("source").GetString()!, m.GetProperty("status").GetInt32(), m.GetProperty("message").GetString()!,
            m.GetProperty("cache_hit").GetBoolean(),
            m.GetProperty("defines").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt64()))).ToList();
    }

    private static (int Code, string Output) Python(string plans, string cache, string arch = "sm_90")
    {
        var script = Path.Combine(NativeTestEnvironment.RepositoryRoot, "tools", "python", "compile_ahead.py");
        return ExternalTool.Run("python3",
            [script, plans, "--arch", arch, "--workers", "4", "--cache-dir", cache, "--library", FastRecurrenceLibrary.LoadedPath!],
            ".ci/run brings it with the script checkers (Debian's python3)", timeout: TimeSpan.FromMinutes(5));
    }
}
