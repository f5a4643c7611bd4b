using System.CommandLine;
using FastRecurrence.Cli.Planning;

namespace FastRecurrence.Cli.Commands;

/// <summary>
/// `plan`: sizes a kernel (fused, alternating or scan) to a catalog GPU with the planner and prints the plan, the
/// resources it uses against the GPU's limits and why it was chosen, or the plan as JSON; `plan --list-gpus` lists
/// the catalog. No plan is an input error (exit 1) whose message names the binding limits.
/// </summary>
internal static class PlanCommand
{
    public static Command Create(TextWriter stdout)
    {
        var listGpus = new Option<bool>("--list-gpus")
        {
            Description = "List the catalog GPUs (the names --gpu takes) and exit.",
        };
        var gpu = new Option<string>("--gpu")
        {
            Description = "Catalog GPU, matched without case and ignoring '-', '_' and spaces (see --list-gpus).",
            HelpName = "NAME",
        };
        var cell = new Option<string>("--cell")
        {
            Description = "Which cell (not needed for --family scan).",
            HelpName = CellNames.Choices,
        };
        var hidden = new Option<int>("--hidden")
        {
            Description = $"Total hidden size H = heads * head size (for the scan: H * D), {PlanSizeLimit.Range}.",
            HelpName = "H",
        };
        var heads = new Option<int>("--heads")
        {
            Description = $"Heads NH; the head size is --hidden / --heads; {PlanSizeLimit.Range}.",
            DefaultValueFactory = _ => 1,
            HelpName = "N",
        };
        var batch = new Option<int>("--batch")
        {
            Description = $"Batch size B, {PlanSizeLimit.Range}; B * T * H at most {PlanSizeLimit.ElementsText}.",
            DefaultValueFactory = _ => 16,
            HelpName = "B",
        };
        var dtype = new Option<string>("--dtype")
        {
            Description = "Storage type of the weights and states.",
            HelpName = PlanChoices.DataTypeChoices,
        };
        var family = new Option<string>("--family")
        {
            Description = "Kernel family; auto: fused when a plan fits on chip, else alternating.",
            DefaultValueFactory = _ => "auto",
            HelpName = PlanChoices.FamilyChoices,
        };
        var backward = new Option<bool>("--backward")
        {
            Description = "Plan the backward kernel instead of the forward.",
        };
        var steps = new Option<int>("--steps")
        {
            Description = $"Time steps T, {PlanSizeLimit.Range}.",
            DefaultValueFactory = _ => 1024,
            HelpName = "T",
        };
        var json = new Option<bool>("--json")
        {
            Description = "Print only the plan as JSON (KernelPlan.ToJson); not with --abi-json.",
        };

        var tf32 = new Option<bool>("--tf32")
        {
            Description = "fp32 only: let the fused kernel multiply R h on tensor cores in tf32 (MatmulPrecision.Tf32).",
        };
        var lengths = new Option<bool>("--lengths")
        {
            Description = "Plan for calls that pass per-sequence lengths: the fused kernel's FR_LENGTHS build, sized with its length check.",
        };
        var abiJson = new Option<bool>("--abi-json")
        {
            Description = "Print only the plan as the C ABI's fr_plan (source, defines, launch, dynamic shared memory), for callers of libfastrecurrence from other languages (tools/python); not with --json.",
        };

        var command = new Command("plan", "Size a kernel to a GPU: print the plan, the resources it uses against the limits, and why.")
        {
            listGpus, gpu, cell, hidden, heads, batch, dtype, family, backward, steps, json, tf32, abiJson, lengths,
        };
        // The problem's options are required unless --list-gpus is given; missing ones are syntax errors, as elsewhere.
        command.Validators.Add(result =>
        {
            if (result.GetValue(listGpus))
                return;
            foreach (Option option in new Option[] { gpu, hidden, dtype })
            {
                if (result.GetResult(option) is null)
                    result.AddError($"Option '{option.Name}' is required (or give --list-gpus).");
            }
            if (result.GetResult(cell) is null && !PlanChoices.IsScan(result.GetValue(family)))
                result.AddError($"Option '{cell.Name}' is required unless --family scan.");
        });
        command.SetAction(parse =>
        {
            if (parse.GetValue(listGpus))
            {
                PlanRun.ListGpus(stdout);
                return 0;
            }
            var arguments = new PlanArguments(
                parse.GetRequiredValue(gpu),
                parse.GetValue(cell),
                parse.GetValue(hidden),
                parse.GetRequiredValue(dtype),
                parse.GetValue(heads),
                parse.GetValue(batch),
                parse.GetValue(family) ?? "auto",
                parse.GetValue(backward),
                parse.GetValue(steps),
                parse.GetValue(json),
                parse.GetValue(tf32),
                parse.GetValue(abiJson),
                parse.GetValue(lengths));
            return PlanRun.Execute(arguments, stdout, parse.InvocationConfiguration.Error);
        });
        return command;
    }
}
