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
            // int.MinValue - int.MaxValue wraps to a length of 1: the offsets must increase, not merely differ by >= 1
            Assert.That(() => PackedSequences.Lengths([0, int.MaxValue, int.MinValue], int.MinValue),
                Throws.ArgumentException.With.Property("ParamName").EqualTo("offsets").And.Message.Contains("sequence 1 has length -4294967295"));
        });
    }

    [Test]
    public void Unpad_RefusesBadArgumentsByName_BeforeReadingTheOffsets()
    {
        double[] padded = new double[4];
        Assert.Multiple(() =>
        {
            Assert.That(() => PackedSequences.Unpad<double>(padded, [], 2, 2),
                Throws.ArgumentException.With.Property("ParamName").EqualTo("offsets").And.Message.Contains("[B + 1]"));
            Assert.That(() => PackedSequences.Unpad<double>([], [0, 2], 2, 0),
                Throws.InstanceOf<ArgumentOutOfRangeException>().With.Property("ParamName").EqualTo("features"));
            Assert.That(() => PackedSequences.Unpad<double>([], [0, 1], 0, 2),
                Throws.InstanceOf<ArgumentOutOfRangeException>().With.Property("ParamName").EqualTo("maxSteps"));
            Assert.That(() => PackedSequences.Unpad<double>(padded, [0, 3], 2, 2),
                Throws.ArgumentException.With.Property("ParamName").EqualTo("offsets").And.Message.Contains("sequence 0 has length 3, longer than T=2"));
        });
    }

    [Test]
    public void Pad_ToMoreElementsThanASpan_IsRefusedWithTheLimit()
    {
        // 50000 one-row sequences and one of 50000 rows: 100000 packed bytes pad to 50001 * 50000 > Array.MaxLength
        var offsets = new int[50002];
        for (var b = 1; b <= 50000; b++) offsets[b] = b;
        offsets[50001] = 100000;
        Assert.That(() => PackedSequences.Pad<byte>(new byte[100000], offsets, 1),
            Throws.InstanceOf<ArgumentOutOfRangeException>().With.Property("ParamName").EqualTo("offsets")
                .And.Message.Contains("padded [B=50001, T_max=50000, F=1] would hold more than"));
    }
}
