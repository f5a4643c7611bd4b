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
            Description = "Directory with PyTorch's named_parameters() as .npy: weight_ih_l0.npy [G*H, I], weight_hh_l0.npy [G*H, H], optionally bias_ih_l0.npy, bias_hh_l0.npy [G*H]; with --num-layers / --bidirectional also _l1.., _reverse; with --proj-size weight_hr_l0.npy [P, H].",
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
            Description = "Directory for y.npy [B, T, directions*H], h_n.npy, c_n.npy (lstm, slstm) [layers*directions, B, H] (y and h_n P wide with --proj-size) and the gradients (d_ + each parameter's name); created if missing, and only once every result is computed.",
            Required = true,
            HelpName = "DIR",
        };
        var h0 = new Option<string>("--h0")
        {
            Description = "Initial hidden state, [layers*directions, B, H] ([B, H] too for one layer) (zeros if absent; not for slstm).",
            HelpName = "h0.npy",
        };
        var c0 = new Option<string>("--c0")
        {
            Description = "Initial cell state for lstm, [layers*directions, B, H] ([B, H] too for one layer) (zeros if absent).",
            HelpName = "c0.npy",
        };
        var heads = new Option<int>("--heads")
        {
            Description = "Heads NH (1 or more, dividing H): weight_hh must be block-diagonal per gate with NH blocks of H/NH.",
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
            Description = "dL/dy, [B, T, directions*H]: also writes d_input, d_weight_* and d_bias_* for every layer and direction (when it has biases), d_h0 and d_c0.",
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

        var numLayers = new Option<int>("--num-layers")
        {
            Description = "Stacked layers, as nn.LSTM's num_layers: layer k reads layer k-1's y (weights _l0, _l1, ...).",
            DefaultValueFactory = _ => 1,
            HelpName = "N",
        };
        var bidirectional = new Option<bool>("--bidirectional")
        {
            Description = "A reverse direction in every layer (weights with the suffix _reverse), outputs concatenated forward-first as PyTorch does.",
        };

        var projSize = new Option<int>("--proj-size")
        {
            Description = "lstm only, as nn.LSTM's proj_size (0 < P < H; 0: none): h and y are P wide (h_n, --h0, d_h0 [layers*directions, B, P], y [B, T, directions*P]), weight_hh_l{k}.npy is [4H, P] and weight_hr_l{k}.npy [P, H] is required.",
            DefaultValueFactory = _ => 0,
            HelpName = "P",
        };

        var lengths = new Option<string>("--lengths")
        {
            Description = "Each sequence's length, [B] int64 (1..T, any order): steps past it leave the state alone and give y = 0; h_n is the state at its own length; the reverse direction starts at its own last step (PyTorch's packed sequences, padded).",
            HelpName = "lengths.npy",
        };

        var repeat = new Option<int>("--repeat")
        {
            Description = "After writing the outputs, time N more calls of the backend (forward, and backward with --grad-output) and print the median in ms; 0: no timing.",
            DefaultValueFactory = _ => 0,
            HelpName = "N",
        };

        var command = new Command("run", "Run recurrent layers (one, or a stack with --num-layers / --bidirectional) with PyTorch-named weights on x (batch-first) and write the outputs as .npy.")
        {
            cell, weights, input, output, h0, c0, heads, numLayers, bidirectional, projSize, lengths, backend, gradOutput, recurrentClip, truncate, repeat,
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
                parse.GetValue(truncate),
                parse.GetValue(numLayers),
                parse.GetValue(bidirectional),
                parse.GetValue(lengths),
                parse.GetValue(projSize));
            LayerRun.Execute(request, stdout);
            return 0;
        });
        return command;
    }
}
