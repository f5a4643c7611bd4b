using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using FastRecurrence.Backends.Cuda;
using FastRecurrence.Cli.Errors;
using FastRecurrence.Interop;

namespace FastRecurrence.Cli.Commands;

/// <summary>
/// `compile --arch sm_80|sm_90 [--family scan|rnn|all] [--json] [--cache-dir DIR] [--no-cache]`: compiles every kernel
/// variant the planner can produce for an architecture (<see cref="ScanPlanVariants"/>, the enumeration the compile
/// tests use) through libfastrecurrence's compile-only entry point (NVRTC; no driver or GPU needed) and prints one row
/// per variant: its constants, registers against the prediction, shared memory, spill bytes, compile time, cache hit.
/// Exit codes: 0 every variant compiled without spills and within its predicted registers; 3 any variant failed
/// (or libfastrecurrence / NVRTC is missing); 1 bad input (an --arch no catalog GPU has, an unknown --family).
/// --family rnn: the fused forward (kernels/rnn_forward.cu) exists for single-block plans; a sample of the planner's
/// plans is compiled by the tests (FusedForwardCompileTests), but the enumeration of every fused variant is issue 7's:
/// it says so, compiles nothing and exits 0; --family all compiles the scan.
/// </summary>
internal static class CompileCommand
{
    /// <summary>A variant failed to compile, spilled, or used more registers than predicted; or NVRTC / the library is missing.</summary>
    public const int CompileFailure = 3;

    public const string NoRnnKernels = "no RNN kernel variants checked yet: the fused forward exists for single-block plans and a sample of them is checked by the tests, but the enumeration of every fused variant comes with issue 7; nothing compiled";

    private const string Families = "scan|rnn|all";

    public static Command Create(TextWriter stdout)
    {
        var arch = new Option<string>("--arch")
        {
            Description = "Architecture to compile for; its catalog GPUs decide the plans (see `plan --list-gpus`).",
            Required = true,
            HelpName = "sm_80|sm_90",
        };
        var family = new Option<string>("--family")
        {
            Description = "Kernel family: scan, rnn (not enumerated yet, issue 7) or all.",
            DefaultValueFactory = _ => "all",
            HelpName = Families,
        };
        var json = new Option<bool>("--json")
        {
            Description = "Print the results as one JSON document.",
        };
        var cacheDir = new Option<string>("--cache-dir")
        {
            Description = "Cubin cache folder (default: FR_CACHE_DIR, else the per-user cache).",
            HelpName = "DIR",
        };
        var noCache = new Option<bool>("--no-cache")
        {
            Description = "Compile every variant, neither reading nor writing the cache (cold compile times).",
        };
        var command = new Command("compile", "Compile every kernel variant the planner produces for an architecture (NVRTC, no GPU needed) and check registers and spills.")
        {
            arch, family, json, cacheDir, noCache,
        };
        command.SetAction(parse => Execute(
            parse.GetRequiredValue(arch), parse.GetValue(family) ?? "all", parse.GetValue(json),
            parse.GetValue(cacheDir), !parse.GetValue(noCache), stdout, parse.InvocationConfiguration.Error));
        return command;
    }

    private sealed record Row(int Index, ScanPlanVariant Variant, CompileReport? Report, IReadOnlyList<string> Problems)
    {
        public bool Ok => Problems.Count == 0;
    }

    private static int Execute(string arch, string family, bool json, string? cacheDir, bool useCache, TextWriter stdout, TextWriter stderr)
    {
        var (scan, rnn) = ParseFamily(family);
        if (!ScanPlanVariants.Architectures.Contains(arch, StringComparer.Ordinal))
            throw new CliInputException($"--arch: expected one of {string.Join(", ", ScanPlanVariants.Architectures)} (the catalog GPUs' architectures), got '{arch}'.");
        if (cacheDir is not null && cacheDir.Length == 0)
            throw new CliInputException("--cache-dir: expected a folder, got an empty string.");

        var rows = new List<Row>();
        Version? nvrtc = null;
        if (scan)
        {
            try
            {
                nvrtc = KernelCompiler.NvrtcVersion();
            }
            catch (Exception e) when (e is FastRecurrenceLibraryNotFoundException or FastRecurrenceNativeException)
            {
                stderr.WriteLine($"error: {e.Message}");
                return CompileFailure;
            }
            var index = 0;
            foreach (var variant in ScanPlanVariants.For(arch))
                rows.Add(CompileOne(++index, variant, cacheDir, useCache));
        }

        if (json)
            WriteJson(stdout, arch, nvrtc, cacheDir, useCache, scan, rnn, rows);
        else
            WriteText(stdout, arch, nvrtc, scan, rnn, rows);
        return rows.All(r => r.Ok) ? 0 : CompileFailure;
    }

    private static (bool Scan, bool Rnn) ParseFamily(string family) => family.ToLowerInvariant() switch
    {
        "scan" => (true, false),
        "rnn" => (false, true),
        "all" => (true, true),
        _ => throw new CliInputException($"--family: expected one of {Families.Replace("|", ", ", StringComparison.Ordinal)}, got '{family}'."),
    };

    private static Row CompileOne(int index, ScanPlanVariant variant, string? cacheDir, bool useCache)
    {
        try
        {
            var report = KernelCompiler.Compile(ScanPlanVariants.SourceName, variant.Arch, variant.Constants, cacheDir, useCache);
            return new Row(index, variant, report, ScanVariantCheck.Problems(variant, report));
        }
        catch (FastRecurrenceNativeException e)
        {
            // NVRTC's log can run to many lines; the row keeps the first, the JSON keeps all of it.
            return new Row(index, variant, null, [e.Message]);
        }
    }

    private static void WriteText(TextWriter stdout, string arch, Version? nvrtc, bool scan, bool rnn, List<Row> rows)
    {
        if (scan)
        {
            var gpus = ScanPlanVariants.GpusOf(arch).Select(g => g.Name);
            stdout.WriteLine(Invariant($"scan on {arch}: {rows.Count} variants planned for {string.Join(", ", gpus)} over B {Join(ScanPlanVariants.Batches)}, H*D {Join(ScanPlanVariants.HiddenSizes)}, T {Join(ScanPlanVariants.TimeSteps)}; NVRTC {nvrtc?.Major}.{nvrtc?.Minor}"));
            const string Format = "{0,3} {1,-17} {2,-9} {3,5} {4,7} {5,5} {6,5} {7,4} {8,4} {9,6} {10,6} {11,5} {12,8} {13,-5} {14}";
            stdout.WriteLine(string.Format(CultureInfo.InvariantCulture, Format,
                "#", "kernel", "dtype", "lanes", "threads", "items", "chunk", "regs", "pred", "smem", "ptxsm", "spill", "ms", "cache", "status"));
            foreach (var row in rows)
            {
                var v = row.Variant;
                var kernel = row.Report?.Kernel(v.KernelName);
                stdout.WriteLine(string.Format(CultureInfo.InvariantCulture, Format,
                    row.Index, v.KernelName, v.DataType, Constant(v, "FR_SCAN_LANES"), Constant(v, "FR_SCAN_THREADS"),
                    Constant(v, "FR_SCAN_ITEMS"), Constant(v, "FR_SCAN_CHUNK"),
                    kernel?.Registers.ToString(CultureInfo.InvariantCulture) ?? "-", v.PredictedRegisters, v.SharedMemoryBytes,
                    kernel?.SharedBytes.ToString(CultureInfo.InvariantCulture) ?? "-",
                    kernel?.SpillBytes.ToString(CultureInfo.InvariantCulture) ?? "-",
                    row.Report?.Milliseconds.ToString("F1", CultureInfo.InvariantCulture) ?? "-",
                    row.Report is null ? "-" : row.Report.CacheHit ? "hit" : "miss",
                    row.Ok ? "ok" : "FAIL: " + FirstLine(string.Join("; ", row.Problems))));
            }
            var unplanned = rows.Count(r => r.Report is not null && ScanVariantCheck.UnplannedSpills(r.Variant, r.Report).Count > 0);
            if (unplanned > 0)
                stdout.WriteLine(Invariant($"note: in {unplanned} variants the kernel of the other direction, which these constants never launch, spills (listed under notes in --json)."));
            stdout.WriteLine("regs: ptxas registers of the planned kernel; pred: the plan's prediction; smem: the plan's shared memory bytes; ptxsm: ptxas static shared bytes; spill: bytes the planned kernel spills (the JSON lists every kernel of the source).");
        }
        if (rnn)
            stdout.WriteLine($"rnn on {arch}: {NoRnnKernels}.");
        var failed = rows.Count(r => !r.Ok);
        stdout.WriteLine(Invariant($"{rows.Count} variants compiled: {rows.Count - failed} ok, {failed} failed."));
    }

    private static void WriteJson(TextWriter stdout, string arch, Version? nvrtc, string? cacheDir, bool useCache, bool scan, bool rnn, List<Row> rows)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("arch", arch);
            if (nvrtc is null) w.WriteNull("nvrtc"); else w.WriteString("nvrtc", Invariant($"{nvrtc.Major}.{nvrtc.Minor}"));
            if (cacheDir is null) w.WriteNull("cacheDir"); else w.WriteString("cacheDir", cacheDir);
            w.WriteBoolean("useCache", useCache);
            w.WriteStartArray("families");
            if (scan)
            {
                w.WriteStartObject();
                w.WriteString("family", "scan");
                w.WriteStartArray("gpus");
                foreach (var gpu in ScanPlanVariants.GpusOf(arch)) w.WriteStringValue(gpu.Name);
                w.WriteEndArray();
                w.WriteStartArray("variants");
                foreach (var row in rows) WriteVariant(w, row);
                w.WriteEndArray();
                w.WriteEndObject();
            }
            if (rnn)
            {
                w.WriteStartObject();
                w.WriteString("family", "rnn");
                w.WriteStartArray("variants");
                w.WriteEndArray();
                w.WriteString("note", NoRnnKernels);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteNumber("variants", rows.Count);
            w.WriteNumber("failed", rows.Count(r => !r.Ok));
            w.WriteEndObject();
        }
        stdout.WriteLine(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
    }

    private static void WriteVariant(Utf8JsonWriter w, Row row)
    {
        var v = row.Variant;
        w.WriteStartObject();
        w.WriteNumber("index", row.Index);
        w.WriteString("kernel", v.KernelName);
        w.WriteString("dataType", v.DataType.ToString());
        w.WriteString("direction", v.Direction.ToString());
        w.WriteStartObject("constants");
        foreach (var (name, value) in v.Constants) w.WriteNumber(name, value);
        w.WriteEndObject();
        w.WriteNumber("plans", v.Plans.Count);
        w.WriteNumber("predictedRegisters", v.PredictedRegisters);
        w.WriteNumber("sharedMemoryBytes", v.SharedMemoryBytes);
        if (row.Report is { } report)
        {
            w.WriteBoolean("cacheHit", report.CacheHit);
            w.WriteNumber("milliseconds", Math.Round(report.Milliseconds, 3));
            w.WriteNumber("cubinBytes", report.CubinBytes);
            w.WriteString("cacheKey", report.CacheKey);
            w.WriteStartArray("kernels");
            foreach (var k in report.Kernels)
            {
                w.WriteStartObject();
                w.WriteString("name", k.Name);
                w.WriteNumber("registers", k.Registers);
                w.WriteNumber("spillStoreBytes", k.SpillStoreBytes);
                w.WriteNumber("spillLoadBytes", k.SpillLoadBytes);
                w.WriteNumber("sharedBytes", k.SharedBytes);
                w.WriteNumber("stackBytes", k.StackBytes);
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }
        w.WriteStartArray("notes");
        if (row.Report is not null)
            foreach (var note in ScanVariantCheck.UnplannedSpills(v, row.Report)) w.WriteStringValue(note);
        w.WriteEndArray();
        w.WriteBoolean("ok", row.Ok);
        w.WriteStartArray("problems");
        foreach (var problem in row.Problems) w.WriteStringValue(problem);
        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static string Constant(ScanPlanVariant variant, string name) =>
        variant.Constants.TryGetValue(name, out var value) ? value.ToString(CultureInfo.InvariantCulture) : "-";

    private static string FirstLine(string text)
    {
        var newline = text.IndexOfAny(['\r', '\n']);
        return newline < 0 ? text : text[..newline];
    }

    private static string Join(IEnumerable<int> values) => string.Join("/", values.Select(v => v.ToString(CultureInfo.InvariantCulture)));

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
