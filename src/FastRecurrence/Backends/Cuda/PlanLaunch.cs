using System.Text.Json;
using FastRecurrence.Interop;
using FastRecurrence.Planning;

namespace FastRecurrence.Backends.Cuda;

/// <summary>
/// A plan as the C ABI's fr_plan, for callers of libfastrecurrence from another language (tools/python): the embedded
/// source, the constants, the launch dimensions and kind, and the dynamic shared memory the kernel takes (which the
/// plan's SharedMemoryBytes, a model figure with the driver's reserve, is not).
/// </summary>
public static class PlanLaunch
{
    /// <summary>{"source_name", "defines": {name: value}, "grid", "block", "cluster": [x, y, z], "shared_bytes", "kind"}.</summary>
    public static string ToAbiJson(KernelPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("source_name", NativePlans.SourceName(plan.Request.Family, plan.Request.Direction));
            w.WriteStartObject("defines");
            foreach (var (name, value) in plan.Constants) w.WriteNumber(name, value);
            w.WriteEndObject();
            KernelPlanJson.WriteDim(w, "grid", plan.Grid);
            KernelPlanJson.WriteDim(w, "block", plan.Block);
            KernelPlanJson.WriteDim(w, "cluster", plan.Cluster);
            w.WriteNumber("shared_bytes", NativePlans.DynamicSharedBytes(plan));
            w.WriteString("kind", NativePlans.LaunchKind(plan.Regime) switch
            {
                FrLaunchKind.Cluster => "cluster",
                FrLaunchKind.Cooperative => "cooperative",
                _ => "plain",
            });
            w.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }
}
