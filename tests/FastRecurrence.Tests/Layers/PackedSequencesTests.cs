using FastRecurrence.Layers;

namespace FastRecurrence.Tests.Layers;

/// <summary>The packed form (rows back to back, cu_seqlens offsets) and the padded form with lengths convert both ways,
/// a stack run through them equals the stack run on the padded batch, and bad offsets are refused by name.</summary>
[TestFixture]
public sealed class PackedSequencesTests
{
    [Test]
    public void PadAndUnpad_RoundTrip_AndZeroPastEachLength()
    {
        double[] packed = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];  // F = 2: sequences of 3, 1, 1 rows
        int[] offsets = [0, 3, 4, 5];
        var (padded, lengths, maxSteps) = PackedSequences.Pad<double>(packed, offsets, 2);
        Assert.Multiple(() =>
        {
            Assert.That(lengths, Is.EqualTo(new[] { 3, 1, 1 }));
            Assert.That(maxSteps, Is.EqualTo(3));
            Assert.That(padded, Is.EqualTo(new double[] { 1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 0, 9, 10, 0, 0, 0, 0 }));
            Assert.That(PackedSequences.Unpad<double>(padded, offsets, maxSteps, 2), Is.EqualTo(packed));
        });
    }

    [Test]
    public void AStackOnPackedRows_IsTheStackOnThePaddedBatchWithLengths()
    {
        var c = StackCase.Create(CellKind.Gru, layers: 2, bidirectional: true, heads: 1, seed: 33);
        int[] lengths = [2, 5];
        int[] offsets = [0, 2, 7];
        var packed = new double[7 * c.Input];
        for (var b = 0; b < 2; b++)
            Array.Copy(c.X, b * c.Steps * c.Input, packed, offsets[b] * c.Input, lengths[b] * c.Input);
        var stack = c.Stack64();

        var (x, padLengths, steps) = PackedSequences.Pad<double>(packed, offsets, c.Input);
        var viaPacked = PackedSequences.Unpad<double>(stack.Forward(x, 2, steps, lengths: padLengths).Y, offsets, steps, 2 * c.Hidden);
        var direct = PackedSequences.Unpad<double>(stack.Forward(c.X, 2, c.Steps, lengths: lengths).Y, offsets, c.Steps, 2 * c.Hidden);
        Assert.That(viaPacked, Is.EqualTo(direct));
    }

    [Test]
    public void BadOffsets_AreRefusedByName()
    {
        double[] packed = new double[10];
        Assert.Multiple(() =>
        {
            Assert.That(() => PackedSequences.Pad<double>(packed, [1, 5], 2), Throws.ArgumentException.With.Message.Contains("offsets[0]: expected 0"));
            Assert.That(() => PackedSequences.Pad<double>(packed, [0, 3], 2), Throws.ArgumentException.With.Message.Contains("expected the packed row count 5"));
            Assert.That(() => PackedSequences.Pad<double>(packed, [0, 3, 3, 5], 2), Throws.ArgumentException.With.Message.Contains("sequence 1 has length 0"));
            Assert.That(() => PackedSequences.Pad<double>(packed, [0], 2), Throws.ArgumentException.With.Message.Contains("[B + 1]"));
            Assert.That(() => PackedSequences.Pad<double>(new double[9], [0, 5], 2), Throws.ArgumentException.With.Message.Contains("not a multiple of F"));
        });
    }
}
