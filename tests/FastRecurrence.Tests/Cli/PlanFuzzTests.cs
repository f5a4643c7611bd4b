namespace FastRecurrence.Tests.Cli;

/// <summary>
/// `plan` under random argument lists (valid and invalid names, sizes at and past the edges of int, missing values,
/// flags in combinations no test names): every run ends with exit 0 and a plan, or exit 1 / 2 and an "error: ..."
/// message on stderr with no stack trace; no exception escapes Program.Run. Seeded, so a failure names the arguments
/// that reproduce it.
/// </summary>
[TestFixture]
public sealed class PlanFuzzTests
{
    // (valid, invalid): an invalid value is drawn one time in ten
    private static readonly (string[], string[]) Gpus = (["H100-SXM", "h100sxm", "H200", "L4", "A100-SXM", "V100", "T4"], ["nope", ""]);
    private static readonly (string[], string[]) Cells = (["lstm", "gru", "rnn", "slstm"], ["LSTM", "elman", ""]);
    private static readonly (string[], string[]) Types = (["fp32", "bf16", "fp16", "fp64"], ["int8", ""]);
    private static readonly (string[], string[]) Families = (["auto", "fused", "alternating", "scan"], ["none"]);
    private static readonly (string[], string[]) Sizes =
        (["1", "2", "3", "7", "16", "64", "768", "1024", "2560", "4096", "65536", "2147483647"], ["2147483648", "0", "-1", "1e3", "x", ""]);

    [Test]
    public void Plan_UnderRandomArguments_PlansOrSaysWhyOnErrorLines()
    {
        var random = new Random(20261207);
        var outcomes = new int[3];
        for (var i = 0; i < 400; i++)
        {
            var args = new List<string> { "plan" };
            void Maybe(string option, (string[] Valid, string[] Invalid) values, int percent = 97)
            {
                if (random.Next(100) >= percent) return;
                var from = random.Next(10) == 0 ? values.Invalid : values.Valid;
                args.AddRange([option, from[random.Next(from.Length)]]);
            }
            Maybe("--gpu", Gpus);
            Maybe("--cell", Cells);
            Maybe("--dtype", Types);
            Maybe("--family", Families, 40);
            Maybe("--hidden", Sizes);
            Maybe("--heads", Sizes, 50);
            Maybe("--batch", Sizes, 50);
            Maybe("--steps", Sizes, 50);
            foreach (var flag in new[] { "--backward", "--tf32", "--lengths", "--json", "--abi-json" })
                if (random.Next(100) < 15) args.Add(flag);

            CliResult result;
            try
            {
                result = CliWorkspace.Run([.. args]);
            }
            catch (Exception e)
            {
                Assert.Fail($"`{string.Join(' ', args)}` threw {e}");
                return;
            }
            var call = $"`{string.Join(' ', args)}`: {result}";
            Assert.That(result.ExitCode, Is.AnyOf(0, 1, 2), call);
            outcomes[result.ExitCode]++;
            if (result.ExitCode == 0)
            {
                Assert.That(result.Stdout, Is.Not.Empty, call);
                continue;
            }
            // one line per mistake; a problem no regime can run gives its reasons, one per regime, after "error: "
            Assert.That(result.Stderr, Does.StartWith("error: "), call);
            Assert.That(result.Stderr, Does.Not.Contain(" at FastRecurrence").And.Not.Contain("Exception"), call);
        }
        TestContext.Out.WriteLine($"plans {outcomes[0]}, input errors {outcomes[1]}, syntax errors {outcomes[2]}");
        // the mix reaches the planner, its refusals and the parser's, or the test checks less than it says
        Assert.That(outcomes, Is.All.GreaterThanOrEqualTo(20), $"plans, input errors, syntax errors: {string.Join(", ", outcomes)}");
    }
}
