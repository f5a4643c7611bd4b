using System.CommandLine;

namespace FastRecurrence.Cli.Commands;

/// <summary>`run`: one recurrent layer with PyTorch weights on x, and optionally its backward.</summary>
internal static class RunCommand
{
    public static Command Create(TextWriter stdout)
    {
        var cell = new Option<string>("--cell")
        {
            Description = "Which cell: nn.LSTM, nn.GRU, nn.RNN (tanh), or xLSTM's sLSTM (LSTM-shaped weights, gates i, f, z, o).",
            Required = true,
            HelpName = CellNames.Choices,
        };
        var weights = new Option<string>("--weights")
        {
            Description = "Directory with weight_ih_l0.npy [G*H, I], weight_hh_l0.npy [G*H, H] and optionally bias_ih_l0.npy, bias_hh_l0.npy [G*H].",
            Required = true,
            HelpName = "DIR",
        };
        var input = new Option<string>("--input")
        {
            Description = "x.npy, [B, T, I] batch-first.",
            Required = true,
            HelpName = "x.npy",
        };
        var output = new Option<string>("--out")
        {
            Description = "Directory for y.npy, h_n.npy, c_n.npy (lstm, slstm) and the gradients; created if missing.",
            Required = true,
            HelpName = "DIR",
        };
        var h0 = new Option<string>("--h0")
        {
            Description = "Initial hidden state, [1, B, H] or [B, H] (zeros if absent; not for slstm).",
            HelpName = "h0.npy",
        };
        var c0 = new Option<string>("--c0")
        {
            Description = "Initial cell state for lstm, [1, B, H] or [B, H] (zeros if absent).",
            HelpName = "c0.npy",
        };
        var heads = new Option<int>("--heads")
        {
            Description = "Heads NH: weight_hh must be block-diagonal per gate with NH blocks of H/NH.",
            DefaultValueFactory = _ => 1,
            HelpName = "N",
        };
        var backend = new Option<string>("--backend")
        {
            Description = "Backend name (see `devices`); default: the best available.",
            HelpName = "NAME",
        };
        var gradOutput = new Option<string>("--grad-output")
        {
            Description = "dL/dy, [B, T, H]: also writes d_input, d_weight_*, d_bias_* (when the layer has biases), d_h0 and d_c0.",
            HelpName = "dy.npy",
        };

        var recurrentClip = new Option<float>("--recurrent-clip")
        {
            Description = "With --grad-output: clamp the recurrent gradient R^T dg reaching y_{t-1} to [-X, X] (0: off).",
            DefaultValueFactory = _ => 0f,
            HelpName = "X",
        };
        var truncate = new Option<bool>("--truncate")
        {
            Description = "With --grad-output: truncated BPTT, no gradient through the recurrent weights into y_{t-1}.",
        };

        var repeat = new Option<int>("--repeat")
        {
            Description = "After writing the outputs, time N more calls of the backend (forward, and backward with --grad-output) and print the median in ms; 0: no timing.",
            DefaultValueFactory = _ => 0,
            HelpName = "N",
        };

        var command = new Command("run", "Run one recurrent layer with PyTorch-named weights on x (batch-first) and write its outputs as .npy.")
        {
            cell, weights, input, output, h0, c0, heads, backend, gradOutput, recurrentClip, truncate, repeat,
        };
        command.SetAction(parse =>
        {
            var request = new RunRequest(
                parse.GetRequiredValue(cell),
                parse.GetRequiredValue(weights),
                parse.GetRequiredValue(input),
                parse.GetRequiredValue(output),
                parse.GetValue(h0),
                parse.GetValue(c0),
                parse.GetValue(heads),
                parse.GetValue(backend),
                parse.GetValue(gradOutput),
                parse.GetValue(repeat),
                parse.GetValue(recurrentClip),
                parse.GetValue(truncate));
            LayerRun.Execute(request, stdout);
            return 0;
        });
        return command;
    }
}
