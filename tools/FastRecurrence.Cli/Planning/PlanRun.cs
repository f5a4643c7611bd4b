using System.Globalization;
using FastRecurrence.Backends.Cuda;
using FastRecurrence.Cli.Commands;
using FastRecurrence.Cli.Errors;
using FastRecurrence.Planning;
using FastRecurrence.Planning.Hardware;

namespace FastRecurrence.Cli.Planning;

/// <summary>
/// Executes `plan`: resolves the GPU and the names, builds the <see cref="PlanRequest"/>, asks the planner and prints
/// the plan with its resources against the GPU's limits and the reasons, or the plan as JSON, or why there is none.
/// </summary>
internal static class PlanRun
{
    public static int Execute(PlanArguments arguments, TextWriter stdout, TextWriter stderr)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        // Each prints the plan alone, for a program to read: both at once would be neither document.
        if (arguments.Json && arguments.AbiJson)
            throw new CliInputException("--json, --abi-json: choose one (--json prints the KernelPlan, --abi-json the C ABI's fr_plan).");
        var gpu = ResolveGpu(arguments.Gpu);
        var (request, auto) = BuildRequest(arguments);

        var outcome = auto ? Planner.PlanBest(gpu, request) : Planner.Plan(gpu, request);
        if (outcome.Plan is not { } plan)
        {
            // The reason spans several lines (one per regime, with the minimal conflicting limits), so it is written
            // here in full rather than through the one-line error path.
            stderr.WriteLine($"error: {outcome.Reason}");
            return Program.InputError;
        }

        if (arguments.Json)
        {
            stdout.WriteLine(plan.ToJson());
            return 0;
        }
        if (arguments.AbiJson)
        {
            stdout.WriteLine(PlanLaunch.ToAbiJson(plan));
            return 0;
        }
        PlanReport.Write(stdout, gpu, plan, outcome.Attempts, fellBack: auto && plan.Request.Family != KernelFamily.Fused);
        return 0;
    }

    public static void ListGpus(TextWriter stdout) => PlanReport.WriteGpuList(stdout, GpuCatalog.All);

    /// <summary>The catalog GPU; an unknown name is an input error that lists the known names (the catalog's own message).</summary>
    internal static GpuSpec ResolveGpu(string name)
    {
        if (GpuCatalog.TryFind(name, out var gpu))
            return gpu;
        try
        {
            return GpuCatalog.Find(name);
        }
        catch (ArgumentException e)
        {
            // Find's message names its parameter ("name: unknown GPU ..."); users know the option.
            var message = UserErrors.OneLine(e);
            const string Prefix = "name: ";
            if (message.StartsWith(Prefix, StringComparison.Ordinal))
                message = message[Prefix.Length..];
            throw new CliInputException($"--gpu: {message.TrimEnd('.')} (see `plan --list-gpus`).", e);
        }
    }

    /// <summary>The planner's request, and whether the family is "auto" (then the request's family is Fused).</summary>
    internal static (PlanRequest Request, bool Auto) BuildRequest(PlanArguments arguments)
    {
        var dataType = PlanChoices.ParseDataType(arguments.DataType);
        var family = PlanChoices.ParseFamily(arguments.Family);
        // The scan has no cell (PlanRequest ignores it): a given --cell is checked, then the default stands in, so
        // the same scan problem always gives the same plan and JSON.
        CellKind cell = default;
        if (arguments.Cell is not null)
        {
            var named = CellNames.Parse(arguments.Cell);
            if (family != KernelFamily.Scan) cell = named;
        }
        else if (family != KernelFamily.Scan)
        {
            throw new CliInputException($"--cell: required for the {arguments.Family} family; expected one of {CellNames.Choices.Replace("|", ", ", StringComparison.Ordinal)}.");
        }

        InRange(arguments.Hidden, "--hidden");
        InRange(arguments.Heads, "--heads");
        InRange(arguments.Batch, "--batch");
        InRange(arguments.Steps, "--steps");
        if (!PlanSizeLimit.ElementsFit(arguments.Batch, arguments.Steps, arguments.Hidden))
            throw new CliInputException(string.Create(CultureInfo.InvariantCulture,
                $"--batch {arguments.Batch}, --steps {arguments.Steps}, --hidden {arguments.Hidden}: B * T * H = {(double)arguments.Batch * arguments.Steps * arguments.Hidden:0.###e+0} elements; " +
                $"plan takes at most {PlanSizeLimit.ElementsText} (4 TiB of fp32, more than any catalog GPU holds)."));
        if (arguments.Hidden % arguments.Heads != 0)
            throw new CliInputException(
                $"--hidden {arguments.Hidden} is not divisible by --heads {arguments.Heads}: the head size is hidden / heads and must be a whole number.");
        var headSize = arguments.Hidden / arguments.Heads;

        var direction = arguments.Backward ? PlanDirection.Backward : PlanDirection.Forward;
        if (arguments.Lengths && family == KernelFamily.Scan)
            throw new CliInputException("--lengths: applies to the recurrent families (the scan takes variable lengths as cu_seqlens in every build).");
        if (arguments.Tf32 && dataType != DataType.Float32)
            throw new CliInputException($"--tf32: applies to --dtype fp32 only, got {arguments.DataType}.");
        var request = new PlanRequest(family ?? KernelFamily.Fused, cell, dataType, arguments.Batch, arguments.Heads, headSize,
            direction, arguments.Steps)
        {
            Precision = arguments.Tf32 ? MatmulPrecision.Tf32 : MatmulPrecision.Exact,
            Lengths = arguments.Lengths,
        };
        return (request, family is null);
    }

    /// <summary>A size the planner can take without overflowing its integer arithmetic (<see cref="PlanSizeLimit"/>).</summary>
    private static void InRange(int value, string option)
    {
        if (value < 1 || value > PlanSizeLimit.Max)
            throw new CliInputException($"{option}: expected a positive integer in {PlanSizeLimit.Range}, got {value}.");
    }
}
