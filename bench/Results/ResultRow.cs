namespace FastRecurrence.Bench.Results;

/// <summary>
/// One measured case in the tidy form shared by this project's benchmark (from BenchmarkDotNet's summaries) and the
/// GPU comparison harness (tools/device/bench_compare.py writes the same columns for cuDNN, a torch loop and our
/// kernels), so one plotter reads both. Figures that do not apply are null (empty in the CSV).
/// </summary>
/// <param name="Suite">"recurrent" or "scan".</param>
/// <param name="Method">"forward", "forward+backward" (recurrent) or "backward" (scan).</param>
/// <param name="Backend">Who ran it: a backend name, or a peer such as "torch-cudnn" in the harness's files.</param>
/// <param name="DataType">Storage type: fp32, bf16, fp16.</param>
/// <param name="Cell">lstm, gru, slstm, elman; "scan" for the scan.</param>
/// <param name="Batch">B.</param>
/// <param name="TimeSteps">T.</param>
/// <param name="Heads">NH (H for the scan).</param>
/// <param name="HeadSize">D.</param>
/// <param name="MeanMicroseconds">Mean time of one call.</param>
/// <param name="MicrosecondsPerStep">Mean / T (recurrent).</param>
/// <param name="GigabytesPerSecond">Minimum bytes moved / mean (scan).</param>
/// <param name="Teraflops">Recurrent matmul flops / mean (recurrent).</param>
/// <param name="Speedup">Baseline mean / mean on the same problem.</param>
/// <param name="Baseline">What <paramref name="Speedup"/> compares with, e.g. "reference/fp32" or "torch-cudnn/bf16".</param>
/// <param name="Copies">True when the time includes host-device copies.</param>
public sealed record ResultRow(
    string Suite, string Method, string Backend, string DataType, string Cell,
    int Batch, int TimeSteps, int Heads, int HeadSize,
    double MeanMicroseconds, double? MicrosecondsPerStep, double? GigabytesPerSecond, double? Teraflops, double? Speedup,
    string? Baseline, bool Copies)
{
    public const string RecurrentSuite = "recurrent";
    public const string ScanSuite = "scan";

    public int Hidden => Heads * HeadSize;

    /// <summary>How plots name a series: "cuda/bf16 lstm".</summary>
    public string SeriesName => Suite == ScanSuite ? $"{Backend}/{DataType}" : $"{Backend}/{DataType} {Cell}";
}
