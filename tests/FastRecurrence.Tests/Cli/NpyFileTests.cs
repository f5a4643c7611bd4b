using System.Buffers.Binary;
using System.Text;
using FastRecurrence.Cli.Npy;
using FastRecurrence.Tests.Support;

namespace FastRecurrence.Tests.Cli;

/// <summary>
/// The .npy reader and writer: exact round trips, NumPy's header layout (byte-identical to np.save), the
/// other format versions, and a clear error naming the file for every file the tool does not accept.
/// </summary>
[TestFixture]
public sealed class NpyFileTests
{
    private CliWorkspace _workspace = null!;

    [SetUp]
    public void SetUp() => _workspace = new CliWorkspace();

    [TearDown]
    public void TearDown() => _workspace.Dispose();

    private static readonly int[][] Shapes = [[], [1], [7], [2, 3], [2, 5, 3], [2, 0, 3]];

    private static int Count(int[] shape) => shape.Aggregate(1, (a, d) => a * d);

    [TestCaseSource(nameof(Shapes))]
    public void RoundTrip_Float64_KeepsShapeAndBits(int[] shape)
    {
        var values = TestData.Uniform(new Random(11), Count(shape), 1e3);
        _workspace.Write("a.npy", values, shape);

        var back = _workspace.Read("a.npy");

        Assert.Multiple(() =>
        {
            Assert.That(back.DataType, Is.EqualTo(NpyDataType.Float64));
            Assert.That(back.Shape, Is.EqualTo(shape));
            Assert.That(back.Values<double>(), Is.EqualTo(values));
        });
    }

    [TestCaseSource(nameof(Shapes))]
    public void RoundTrip_Float32_KeepsShapeAndBits(int[] shape)
    {
        var values = TestData.ToSingle(TestData.Uniform(new Random(12), Count(shape), 1e3));
        _workspace.Write("a.npy", values, shape);

        var back = _workspace.Read("a.npy");

        Assert.Multiple(() =>
        {
            Assert.That(back.DataType, Is.EqualTo(NpyDataType.Float32));
            Assert.That(back.Shape, Is.EqualTo(shape));
            Assert.That(back.Values<float>(), Is.EqualTo(values));
        });
    }

    [TestCaseSource(nameof(Shapes))]
    public void Write_IsVersion1WithHeaderPaddedTo64BytesEndingInNewline(int[] shape)
    {
        var bytes = NpyFile.Serialize(NpyArray.Create(new double[Count(shape)], shape));

        var headerLength = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(8));
        var header = Encoding.ASCII.GetString(bytes, 10, headerLength);
        Assert.Multiple(() =>
        {
            Assert.That(bytes.AsSpan(0, 8).ToArray(), Is.EqualTo(new byte[] { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0 }));
            Assert.That((10 + headerLength) % 64, Is.Zero, "data offset");
            Assert.That(header, Does.StartWith("{'descr': '<f8', 'fortran_order': False, 'shape': ("));
            Assert.That(header, Does.EndWith("\n"));
            Assert.That(bytes, Has.Length.EqualTo(10 + headerLength + 8 * Count(shape)));
        });
    }

    // Written by np.save in NumPy 1.24.2: np.arange(6, dtype='<f8').reshape(2, 3) / 4, np.array(1.5, dtype='<f4'),
    // np.arange(3, dtype='<f4'). The writer must produce the same bytes, padding for the growth axis included.
    private static readonly object[] NumPyFiles =
    [
        new object[]
        {
            "k05VTVBZAQB2AHsnZGVzY3InOiAnPGY4JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsIDMpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAAAAAAAAAAAAANA/AAAAAAAA4D8AAAAAAADoPwAAAAAAAPA/AAAAAAAA9D8=",
            "<f8", new[] { 2, 3 }, new[] { 0.0, 0.25, 0.5, 0.75, 1.0, 1.25 },
        },
        new object[]
        {
            "k05VTVBZAQB2AHsnZGVzY3InOiAnPGY0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKCksIH0gICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAMA/",
            "<f4", Array.Empty<int>(), new[] { 1.5 },
        },
        new object[]
        {
            "k05VTVBZAQB2AHsnZGVzY3InOiAnPGY0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDMsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAACAPwAAAEA=",
            "<f4", new[] { 3 }, new[] { 0.0, 1, 2 },
        },
    ];

    [TestCaseSource(nameof(NumPyFiles))]
    public void NumPyFile_IsReadAndWrittenByteForByte(string base64, string descr, int[] shape, double[] values)
    {
        var numpyBytes = Convert.FromBase64String(base64);
        var expected = descr == "<f4" ? NpyArray.Create(TestData.ToSingle(values), shape) : NpyArray.Create(values, shape);

        var parsed = NpyFile.Parse(numpyBytes);

        Assert.Multiple(() =>
        {
            Assert.That(parsed.DataType.Descr(), Is.EqualTo(descr));
            Assert.That(parsed.Shape, Is.EqualTo(shape));
            Assert.That(NpyFile.Serialize(parsed), Is.EqualTo(numpyBytes));
            Assert.That(NpyFile.Serialize(expected), Is.EqualTo(numpyBytes));
        });
    }

    [TestCase((byte)2)]
    [TestCase((byte)3)]
    public void Read_AcceptsVersions2And3(byte major)
    {
        var path = _workspace.WriteBytes("v.npy", NpyBytes.Build(NpyBytes.Dict("<f8", "(2,)"), NpyBytes.Float64(1.5, -2), major));

        var array = NpyFile.Read(path);

        int[] shape = [2];
        double[] values = [1.5, -2];
        Assert.Multiple(() =>
        {
            Assert.That(array.Shape, Is.EqualTo(shape));
            Assert.That(array.Values<double>(), Is.EqualTo(values));
        });
    }

    [Test]
    public void Read_AcceptsDoubleQuotesAndPython2Longs()
    {
        var dict = "{\"descr\": \"<f8\", \"fortran_order\": False, \"shape\": (1L, 2L)}";
        var path = _workspace.WriteBytes("py2.npy", NpyBytes.Build(dict, NpyBytes.Float64(3, 4)));

        int[] shape = [1, 2];
        Assert.That(NpyFile.Read(path).Shape, Is.EqualTo(shape));
    }

    private static IEnumerable<TestCaseData> BadFiles()
    {
        var two = NpyBytes.Float64(1, 2);
        yield return Case("bad magic", [.. "NUMPY\x01\x00"u8, .. new byte[64]], "magic");
        yield return Case("empty", [], "magic");
        yield return Case("version 4.0", NpyBytes.Build(NpyBytes.Dict("<f8", "(2,)"), two, major: 4), "version 4.0");
        yield return Case("big-endian", NpyBytes.Build(NpyBytes.Dict(">f8", "(2,)"), two), "big-endian");
        yield return Case("int32", NpyBytes.Build(NpyBytes.Dict("<i4", "(4,)"), two), "'<i4'");
        yield return Case("int64", NpyBytes.Build(NpyBytes.Dict("<i8", "(2,)"), two), "integer");
        yield return Case("float16", NpyBytes.Build(NpyBytes.Dict("<f2", "(8,)"), two), "'<f2'");
        yield return Case("bool", NpyBytes.Build(NpyBytes.Dict("|b1", "(16,)"), two), "boolean");
        yield return Case("structured", NpyBytes.Build("{'descr': [('a', '<f8')], 'fortran_order': False, 'shape': (2,), }", two), "structured");
        yield return Case("fortran order", NpyBytes.Build(NpyBytes.Dict("<f8", "(1, 2)", fortranOrder: true), two), "Fortran order");
        yield return Case("truncated data", NpyBytes.Build(NpyBytes.Dict("<f8", "(3,)"), two), "truncated");
        yield return Case("extra data", NpyBytes.Build(NpyBytes.Dict("<f8", "(1,)"), two), "shape/data mismatch");
        yield return Case("truncated header", NpyBytes.Build(NpyBytes.Dict("<f8", "(2,)"), two)[..40], "truncated");
        yield return Case("missing key", NpyBytes.Build("{'descr': '<f8', 'shape': (2,), }", two), "'fortran_order'");
        yield return Case("extra key", NpyBytes.Build("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), 'x': 1, }", two), "'x'");
        yield return Case("not a dict", NpyBytes.Build("descr <f8", two), "dict");
        yield return Case("negative dimension", NpyBytes.Build(NpyBytes.Dict("<f8", "(-2,)"), two), "'shape' entry 0 is -2,");
        // what was found, in Python's terms rather than .NET's (List`1[System.Object])
        yield return Case("nested shape", NpyBytes.Build(NpyBytes.Dict("<f8", "((1,),)"), two), "'shape' entry 0 is the tuple (1,),");
        yield return Case("list in shape", NpyBytes.Build(NpyBytes.Dict("<f8", "([2], 1)"), two), "'shape' entry 0 is the list [2],");
        yield return Case("None in shape", NpyBytes.Build(NpyBytes.Dict("<f8", "(None,)"), two), "'shape' entry 0 is None,");
        yield return Case("string shape", NpyBytes.Build(NpyBytes.Dict("<f8", "'2'"), two), "'shape' must be a tuple of integers, got the string '2'");
        yield return Case("dict shape", NpyBytes.Build(NpyBytes.Dict("<f8", "{'a': (1, True)}"), two), "got the dict {'a': (1, True)}");

        static TestCaseData Case(string name, byte[] bytes, string fragment) =>
            new TestCaseData(bytes, fragment).SetArgDisplayNames(name);
    }

    [TestCaseSource(nameof(BadFiles))]
    public void Read_RejectsUnsupportedOrBrokenFile_NamingFileAndProblem(byte[] bytes, string fragment)
    {
        var path = _workspace.WriteBytes("bad.npy", bytes);

        var error = Assert.Throws<InvalidDataException>(() => NpyFile.Read(path));

        Assert.That(error.Message, Does.Contain(path).And.Contain(fragment));
    }

    /// <summary>
    /// A header of format 2.0 (4-byte length) holding 100,000 nested brackets overflowed the recursive parser's stack,
    /// which ends the process (exit 134); now it is refused at 32 levels, naming the file.
    /// </summary>
    [TestCase("(", ")")]
    [TestCase("[", "]")]
    public void Read_RefusesAHeaderNestedTooDeep_WithoutOverflowingTheStack(string open, string close)
    {
        const int Depth = 100_000;
        var shape = string.Concat(Enumerable.Repeat(open, Depth)) + "1" + string.Concat(Enumerable.Repeat(close, Depth));
        var path = _workspace.WriteBytes("deep.npy", NpyBytes.Build(NpyBytes.Dict("<f8", shape), NpyBytes.Float64(1), major: 2));

        var error = Assert.Throws<InvalidDataException>(() => NpyFile.Read(path));

        Assert.That(error.Message, Does.Contain(path).And.Contain("nest more than 32 deep"));
    }

    [Test]
    public void Read_AcceptsTheNestingOfARealHeader()
    {
        // a structured dtype's fields nest three deep inside the dict; refused for being structured, not for depth
        var dict = "{'descr': [('a', '<f8', (2, (1,)))], 'fortran_order': False, 'shape': (1,), }";
        var path = _workspace.WriteBytes("structured.npy", NpyBytes.Build(dict, NpyBytes.Float64(1, 2)));

        var error = Assert.Throws<InvalidDataException>(() => NpyFile.Read(path));

        Assert.That(error.Message, Does.Contain("structured"));
    }

    [Test]
    public void Read_MissingFile_NamesIt()
    {
        var path = _workspace.PathOf("absent.npy");

        var error = Assert.Throws<FileNotFoundException>(() => NpyFile.Read(path));

        Assert.That(error.Message, Does.Contain(path));
    }

    [Test]
    public void Create_RejectsShapeThatDoesNotMatchTheBuffer()
    {
        Assert.Throws<ArgumentException>(() => NpyArray.Create(new double[5], 2, 3));
    }
}
