using System.Text;
using System.Text.Json;

namespace FastRecurrence.Planning;

/// <summary>
/// JSON for <see cref="KernelPlan"/>, written and read by hand with Utf8JsonWriter / JsonDocument so the library stays
/// trimming- and AOT-safe (no reflection serializer). Field order is fixed, so equal plans give equal text.
/// </summary>
internal static class KernelPlanJson
{
    public static string Write(KernelPlan plan)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteNumber("version", KernelPlan.FormatVersion);
            w.WriteString("gpu", plan.Gpu);
            w.WriteString("arch", plan.Arch);
            w.WriteStartObject("request");
            w.WriteString("family", plan.Request.Family.ToString());
            w.WriteString("cell", plan.Request.Cell.ToString());
            w.WriteString("dataType", plan.Request.DataType.ToString());
            w.WriteString("direction", plan.Request.Direction.ToString());
            w.WriteNumber("batch", plan.Request.Batch);
            w.WriteNumber("heads", plan.Request.Heads);
            w.WriteNumber("headSize", plan.Request.HeadSize);
            w.WriteNumber("timeSteps", plan.Request.TimeSteps);
            w.WriteString("precision", plan.Request.Precision.ToString());
            w.WriteBoolean("lengths", plan.Request.Lengths);
            w.WriteEndObject();
            w.WriteString("regime", plan.Regime.ToString());
            w.WriteStartObject("constants");
            foreach (var (name, value) in plan.Constants)
                w.WriteNumber(name, value);
            w.WriteEndObject();
            WriteDim(w, "grid", plan.Grid);
            WriteDim(w, "block", plan.Block);
            WriteDim(w, "cluster", plan.Cluster);
            w.WriteNumber("sharedMemoryBytes", plan.SharedMemoryBytes);
            w.WriteNumber("predictedRegisters", plan.PredictedRegisters);
            w.WriteNumber("predictedCost", plan.PredictedCost);
            w.WriteStartArray("rationale");
            foreach (var line in plan.Rationale)
                w.WriteStringValue(line);
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    public static KernelPlan Read(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            using var doc = JsonDocument.Parse(json);
            var root = doc.RootElement;
            var version = root.GetProperty("version").GetInt32();
            if (version != KernelPlan.FormatVersion)
                throw new FormatException($"json: plan format version {version} is not the supported version {KernelPlan.FormatVersion}; plan again.");
            var r = root.GetProperty("request");
            var request = new PlanRequest(
                Enum.Parse<KernelFamily>(r.GetProperty("family").GetString()!),
                Enum.Parse<CellKind>(r.GetProperty("cell").GetString()!),
                Enum.Parse<DataType>(r.GetProperty("dataType").GetString()!),
                r.GetProperty("batch").GetInt32(),
                r.GetProperty("heads").GetInt32(),
                r.GetProperty("headSize").GetInt32(),
                Enum.Parse<PlanDirection>(r.GetProperty("direction").GetString()!),
                r.GetProperty("timeSteps").GetInt32())
            {
                // absent in plans written before tf32 existed: they were exact
                Precision = r.TryGetProperty("precision", out var precision) ? Enum.Parse<MatmulPrecision>(precision.GetString()!) : MatmulPrecision.Exact,
                // absent in plans written before the lengths build was planned: they were planned without lengths
                Lengths = r.TryGetProperty("lengths", out var lengths) && lengths.GetBoolean(),
            };
            var constants = root.GetProperty("constants").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt64());
            return new KernelPlan(request, root.GetProperty("gpu").GetString()!, root.GetProperty("arch").GetString()!,
                Enum.Parse<FusedRegime>(root.GetProperty("regime").GetString()!), constants,
                ReadDim(root.GetProperty("grid")), ReadDim(root.GetProperty("block")), ReadDim(root.GetProperty("cluster")),
                root.GetProperty("sharedMemoryBytes").GetInt64(), root.GetProperty("predictedRegisters").GetInt32(),
                root.GetProperty("predictedCost").GetInt64(),
                root.GetProperty("rationale").EnumerateArray().Select(e => e.GetString()!).ToArray());
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or ArgumentException)
        {
            throw new FormatException($"json: not a KernelPlan: {e.Message}", e);
        }
    }

    /// <summary>A Dim3 as [x, y, z] (the plan JSON's form; PlanLaunch's fr_plan JSON uses it too).</summary>
    internal static void WriteDim(Utf8JsonWriter w, string name, Dim3 dim)
    {
        w.WriteStartArray(name);
        w.WriteNumberValue(dim.X);
        w.WriteNumberValue(dim.Y);
        w.WriteNumberValue(dim.Z);
        w.WriteEndArray();
    }

    private static Dim3 ReadDim(JsonElement e) =>
        e.GetArrayLength() == 3 ? new(e[0].GetInt32(), e[1].GetInt32(), e[2].GetInt32())
            : throw new JsonException($"expected a dimension of 3 numbers [x, y, z], got {e.GetRawText()}");
}
