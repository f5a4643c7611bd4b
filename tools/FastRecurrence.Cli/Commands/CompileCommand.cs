using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using FastRecurrence.Backends.Cuda;
using FastRecurrence.Planning;
using FastRecurrence.Cli.Errors;
using FastRecurrence.Interop;

namespace FastRecurrence.Cli.Commands;

/// <summary>
/// `compile --arch sm_70..sm_120 [--family scan|rnn|rnn-backward|all] [--lengths] [--json] [--cache-dir DIR] [--no-cache]`: compiles every kernel
/// variant the planner can produce for an architecture (<see cref="ScanPlanVariants"/> for the scan,
/// <see cref="FusedPlanVariants"/> for the fused RNN forward: the enumerations the compile tests use) through
/// libfastrecurrence's compile-only entry point (NVRTC; no driver or GPU needed), on every core, and prints one row per
/// variant: its constants, registers against the prediction, shared memory, spill bytes, compile time, cache hit.
/// Exit codes: 0 every variant compiled without spills and within its predicted registers; 3 any variant failed
/// (or libfastrecurrence / NVRTC is missing); 1 bad input (an --arch no catalog GPU has or the installed NVRTC cannot
/// compile for, an unknown --family, a --cache-dir that cannot be used: <see cref="CompileProbe"/>).
/// </summary>
internal static class CompileCommand
{
    /// <summary>A variant failed to compile, spilled, or used more registers than predicted; or NVRTC / the library is missing.</summary>
    public const int CompileFailure = 3;

    private const string Families = "scan|rnn|rnn-backward|all";

    public static Command Create(TextWriter stdout)
    {
        var arch = new Option<string>("--arch")
        {
            Description = "Architecture to compile for; its catalog GPUs decide the plans (see `plan --list-gpus`). The installed NVRTC must know it (sm_100 and sm_120 need NVRTC 12.8).",
            Required = true,
            // the architectures of the catalog, the ones Execute accepts
            HelpName = string.Join("|", ScanPlanVariants.Architectures),
        };
        var family = new Option<string>("--family")
        {
            Description = "Kernel family: scan (kernels/scan.cu), rnn (the fused forward, kernels/rnn_forward.cu), rnn-backward (the fused backward, kernels/rnn_backward.cu, and the reductions it launches, kernels/rnn_gradients.cu) or all.",
            DefaultValueFactory = _ => "all",
            HelpName = Families,
        };
        var json = new Option<bool>("--json")
        {
            Description = "Print the results as one JSON document.",
        };
        var cacheDir = new Option<string>("--cache-dir")
        {
            Description = "Cubin cache folder, created if missing (default: FR_CACHE_DIR, else the per-user cache).",
            HelpName = "DIR",
        };
        var noCache = new Option<bool>("--no-cache")
        {
            Description = "Compile every variant, neither reading nor writing the cache (cold compile times).",
        };
        var lengths = new Option<bool>("--lengths")
        {
            Description = "The fused families' plans for calls with per-sequence lengths (their FR_LENGTHS builds) instead of those without.",
        };
        var command = new Command("compile", "Compile every kernel variant the planner produces for an architecture (NVRTC, no GPU needed) and check registers and spills.")
        {
            arch, family, json, cacheDir, noCache, lengths,
        };
        command.SetAction(parse => Execute(
            parse.GetRequiredValue(arch), parse.GetValue(family) ?? "all", parse.GetValue(json),
            parse.GetValue(cacheDir), !parse.GetValue(noCache), parse.GetValue(lengths), stdout, parse.InvocationConfiguration.Error));
        return command;
    }

    private sealed record Row(int Index, PlanVariant Variant, CompileReport? Report, IReadOnlyList<string> Problems)
    {
        public bool Ok => Problems.Count == 0;
    }

    private sealed record FamilyRows(string Family, IReadOnlyList<Row> Rows);

    private static int Execute(string arch, string family, bool json, string? cacheDir, bool useCache, bool lengths, TextWriter stdout,
        TextWriter stderr)
    {
        var (scan, rnn, rnnBackward) = ParseFamily(family);
        if (!ScanPlanVariants.Architectures.Contains(arch, StringComparer.Ordinal))
            throw new CliInputException($"--arch: expected one of {string.Join(", ", ScanPlanVariants.Architectures)} (the catalog GPUs' architectures), got '{arch}'.");
        if (lengths && scan && !rnn && !rnnBackward)
            throw new CliInputException("--lengths: applies to the fused families (rnn, rnn-backward, all); the scan takes variable lengths as cu_seqlens in every build.");
        if (cacheDir is not null && cacheDir.Length == 0)
            throw new CliInputException("--cache-dir: expected a folder, got an empty string.");

        var families = new List<FamilyRows>();
        Version? nvrtc;
        try
        {
            nvrtc = KernelCompiler.NvrtcVersion();
        }
        catch (Exception e) when (e is FastRecurrenceLibraryNotFoundException or FastRecurrenceNativeException)
        {
            stderr.WriteLine($"error: {e.Message}");
            return CompileFailure;
        }
        if (CompileProbe.WhyNot(arch, cacheDir, useCache) is { } why)
            throw new CliInputException(why);
        if (scan) families.Add(new FamilyRows("scan", CompileAll(ScanPlanVariants.For(arch), cacheDir, useCache)));
        if (rnn) families.Add(new FamilyRows("rnn", CompileAll(FusedPlanVariants.For(arch, PlanDirection.Forward, lengths), cacheDir, useCache)));
        if (rnnBackward)
        {
            var backward = FusedPlanVariants.For(arch, PlanDirection.Backward, lengths);
            families.Add(new FamilyRows("rnn-backward", CompileAll(backward, cacheDir, useCache)));
            // the reductions' modules every backward plan loads beside its own (decision 0028)
            families.Add(new FamilyRows("rnn-gradients", CompileAll(FusedPlanVariants.Gradients(backward), cacheDir, useCache)));
        }

        if (json)
            WriteJson(stdout, arch, nvrtc, cacheDir, useCache, lengths, families);
        else
            WriteText(stdout, arch, nvrtc, lengths, families);
        return families.All(f => f.Rows.All(r => r.Ok)) ? 0 : CompileFailure;
    }

    /// <summary>Every variant, compiled on every core (NVRTC compiles independent programs concurrently), in order.</summary>
    private static Row[] CompileAll(IReadOnlyList<PlanVariant> variants, string? cacheDir, bool useCache)
    {
        var rows = new Row[variants.Count];
        Parallel.For(0, variants.Count, i => rows[i] = CompileOne(i + 1, variants[i], cacheDir, useCache));
        return rows;
    }

    private static (bool Scan, bool Rnn, bool RnnBackward) ParseFamily(string family) => family.ToLowerInvariant() switch
    {
        "scan" => (true, false, false),
        "rnn" => (false, true, false),
        "rnn-backward" => (false, false, true),
        "all" => (true, true, true),
        _ => throw new CliInputException($"--family: expected one of {Families.Replace("|", ", ", StringComparison.Ordinal)}, got '{family}'."),
    };

    private static Row CompileOne(int index, PlanVariant variant, string? cacheDir, bool useCache)
    {
        try
        {
            var report = KernelCompiler.Compile(variant.SourceName, variant.Arch, variant.Constants, cacheDir, useCache);
            return new Row(index, variant, report, VariantCheck.Problems(variant, report));
        }
        catch (FastRecurrenceNativeException e)
        {
            // NVRTC's log can run to many lines; the row keeps the first, the JSON keeps all of it.
            return new Row(index, variant, null, [e.Message]);
        }
    }

    private static void WriteText(TextWriter stdout, string arch, Version? nvrtc, bool lengths, List<FamilyRows> families)
    {
        foreach (var (family, rows) in families)
        {
            if (family == "scan")
            {
                var gpus = ScanPlanVariants.GpusOf(arch).Select(g => g.Name);
                stdout.WriteLine(Invariant($"scan on {arch}: {rows.Count} variants planned for {string.Join(", ", gpus)} over B {Join(ScanPlanVariants.Batches)}, H*D {Join(ScanPlanVariants.HiddenSizes)}, T {Join(ScanPlanVariants.TimeSteps)}; NVRTC {nvrtc?.Major}.{nvrtc?.Minor}"));
                const string Format = "{0,3} {1,-17} {2,-9} {3,5} {4,7} {5,5} {6,5} {7,4} {8,4} {9,6} {10,6} {11,5} {12,8} {13,-5} {14}";
                stdout.WriteLine(string.Format(CultureInfo.InvariantCulture, Format,
                    "#", "kernel", "dtype", "lanes", "threads", "items", "chunk", "regs", "pred", "smem", "ptxsm", "spill", "ms", "cache", "status"));
                foreach (var row in rows)
                {
                    var v = row.Variant;
                    stdout.WriteLine(string.Format(CultureInfo.InvariantCulture, Format,
                        row.Index, v.KernelName, v.DataType, Constant(v, "FR_SCAN_LANES"), Constant(v, "FR_SCAN_THREADS"),
                        Constant(v, "FR_SCAN_ITEMS"), Constant(v, "FR_SCAN_CHUNK"), Registers(row), v.PredictedRegisters,
                        v.SharedMemoryBytes, PtxasShared(row), Spills(row), Milliseconds(row), Cache(row), Status(row)));
                }
                var unplanned = rows.Count(r => r.Report is not null && VariantCheck.UnplannedSpills(r.Variant, r.Report).Count > 0);
                if (unplanned > 0)
                    stdout.WriteLine(Invariant($"note: in {unplanned} variants the kernel of the other direction, which these constants never launch, spills (listed under notes in --json)."));
            }
            else if (family == "rnn-gradients")
            {
                stdout.WriteLine(Invariant($"rnn-gradients (kernels/rnn_gradients.cu: dR, db and the gate products, one module per cell and type that the backward plans above load) on {arch}: {rows.Count} variants"));
                const string Format = "{0,3} {1,-6} {2,-9} {3,-24} {4,4} {5,4} {6,5} {7,8} {8,-5} {9}";
                stdout.WriteLine(string.Format(CultureInfo.InvariantCulture, Format,
                    "#", "cell", "dtype", "kernel", "regs", "pred", "spill", "ms", "cache", "status"));
                foreach (var row in rows)
                {
                    var v = row.Variant;
                    foreach (var kernel in v.CompanionKernels.Prepend(v.KernelName))
                    {
                        var report = row.Report?.Kernel(kernel);
                        stdout.WriteLine(string.Format(CultureInfo.InvariantCulture, Format,
                            row.Index, v.Plans[0].Request.Cell, v.Constant("FR_TF32") == 1 ? "Tf32" : v.DataType.ToString(), kernel,
                            report?.Registers.ToString(CultureInfo.InvariantCulture) ?? "-", v.PredictedRegisters,
                            report?.SpillBytes.ToString(CultureInfo.InvariantCulture) ?? "-", Milliseconds(row), Cache(row), Status(row)));
                    }
                }
            }
            else
            {
                var gpus = ScanPlanVariants.GpusOf(arch).Select(g => g.Name);
                stdout.WriteLine(Invariant($"{family} (fused {(family == "rnn" ? "forward" : "backward")}{(lengths ? ", calls with lengths: FR_LENGTHS builds" : "")}) on {arch}: {rows.Count} variants planned for {string.Join(", ", gpus)} over every cell, fp32/bf16/fp16, D {Join(FusedPlanVariants.HeadSizes)}, NH {Join(FusedPlanVariants.HeadCounts)}, B {Join(FusedPlanVariants.Batches)} (requests without a fused plan run on the alternating fallback); NVRTC {nvrtc?.Major}.{nvrtc?.Minor}"));
                const string Format = "{0,4} {1,-11} {2,-5} {3,-9} {4,4} {5,3} {6,3} {7,3} {8,2} {9,2} {10,3} {11,2} {12,2} {13,2} {14,4} {15,4} {16,6} {17,5} {18,8} {19,-5} {20}";
                stdout.WriteLine(string.Format(CultureInfo.InvariantCulture, Format,
                    "#", "regime", "cell", "dtype", "D", "NH", "Hb", "P", "W", "Ks", "Bt", "RT", "ST", "GT", "regs", "pred", "smem", "spill", "ms", "cache", "status"));
                foreach (var row in rows)
                {
                    var v = row.Variant;
                    stdout.WriteLine(string.Format(CultureInfo.InvariantCulture, Format,
                        row.Index, v.Regime, v.Plans[0].Request.Cell, v.DataType, Constant(v, "FR_HEAD_SIZE"), Constant(v, "FR_HEADS"),
                        Constant(v, "FR_HEADS_PER_BLOCK"), Constant(v, "FR_BLOCKS_PER_HEAD"), Constant(v, "FR_WARPS"), Constant(v, "FR_K_SPLIT"),
                        Constant(v, "FR_BATCH_TILE"), Constant(v, "FR_REGISTER_ROW_TILES"), Constant(v, "FR_SHARED_ROW_TILES"),
                        v.Constant("FR_STREAMED_ROW_TILES") ?? 0, Registers(row), v.PredictedRegisters, v.SharedMemoryBytes, Spills(row), Milliseconds(row), Cache(row), Status(row)));
                }
                stdout.WriteLine("RT / ST / GT: R row tiles per warp in registers, in shared memory, and streamed from L2 at every step (decision 0023).");
            }
        }
        stdout.WriteLine("regs: ptxas registers of the planned kernel; pred: the plan's prediction (and ptxas's cap where the plan sets FR_MAX_REGISTERS); smem: the plan's shared memory bytes; ptxsm: ptxas static shared bytes; spill: bytes the planned kernel spills (the JSON lists every kernel of the source).");
        var all = families.SelectMany(f => f.Rows).ToArray();
        var failed = all.Count(r => !r.Ok);
        stdout.WriteLine(Invariant($"{all.Length} variants compiled: {all.Length - failed} ok, {failed} failed."));
    }

    private static string Registers(Row row) => row.Report?.Kernel(row.Variant.KernelName)?.Registers.ToString(CultureInfo.InvariantCulture) ?? "-";
    private static string PtxasShared(Row row) => row.Report?.Kernel(row.Variant.KernelName)?.SharedBytes.ToString(CultureInfo.InvariantCulture) ?? "-";
    private static string Spills(Row row) => row.Report?.Kernel(row.Variant.KernelName)?.SpillBytes.ToString(CultureInfo.InvariantCulture) ?? "-";
    private static string Milliseconds(Row row) => row.Report?.Milliseconds.ToString("F1", CultureInfo.InvariantCulture) ?? "-";
    private static string Cache(Row row) => row.Report is null ? "-" : row.Report.CacheHit ? "hit" : "miss";
    private static string Status(Row row) => row.Ok ? "ok" : "FAIL: " + FirstLine(string.Join("; ", row.Problems));

    private static void WriteJson(TextWriter stdout, string arch, Version? nvrtc, string? cacheDir, bool useCache, bool lengths,
        List<FamilyRows> families)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("arch", arch);
            if (nvrtc is null) w.WriteNull("nvrtc"); else w.WriteString("nvrtc", Invariant($"{nvrtc.Major}.{nvrtc.Minor}"));
            if (cacheDir is null) w.WriteNull("cacheDir"); else w.WriteString("cacheDir", cacheDir);
            w.WriteBoolean("useCache", useCache);
            w.WriteBoolean("lengths", lengths);
            w.WriteStartArray("families");
            foreach (var (family, rows) in families)
            {
                w.WriteStartObject();
                w.WriteString("family", family);
                w.WriteString("source", family switch
                {
                    "scan" => ScanPlanVariants.SourceName,
                    "rnn" => FusedPlanVariants.SourceName,
                    "rnn-gradients" => FusedPlanVariants.GradientSourceName,
                    _ => FusedPlanVariants.BackwardSourceName,
                });
                w.WriteStartArray("gpus");
                foreach (var gpu in ScanPlanVariants.GpusOf(arch)) w.WriteStringValue(gpu.Name);
                w.WriteEndArray();
                w.WriteStartArray("variants");
                foreach (var row in rows) WriteVariant(w, row);
                w.WriteEndArray();
                w.WriteEndObject();
            }
            w.WriteEndArray();
            var all = families.SelectMany(f => f.Rows).ToArray();
            w.WriteNumber("variants", all.Length);
            w.WriteNumber("failed", all.Count(r => !r.Ok));
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
        if (v.Regime != FastRecurrence.Planning.FusedRegime.None) w.WriteString("regime", v.Regime.ToString());
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
            foreach (var note in VariantCheck.UnplannedSpills(v, row.Report)) w.WriteStringValue(note);
        w.WriteEndArray();
        w.WriteBoolean("ok", row.Ok);
        w.WriteStartArray("problems");
        foreach (var problem in row.Problems) w.WriteStringValue(problem);
        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static string Constant(PlanVariant variant, string name) =>
        variant.Constants.TryGetValue(name, out var value) ? value.ToString(CultureInfo.InvariantCulture) : "-";

    private static string FirstLine(string text)
    {
        var newline = text.IndexOfAny(['\r', '\n']);
        return newline < 0 ? text : text[..newline];
    }

    private static string Join(IEnumerable<int> values) => string.Join("/", values.Select(v => v.ToString(CultureInfo.InvariantCulture)));

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
