using FastRecurrence.Backends.Cuda;
using FastRecurrence.Interop;
using FastRecurrence.Planning;
using FastRecurrence.Planning.Hardware;

namespace FastRecurrence.Tests.Native;

/// <summary>
/// Every entry point rejects bad arguments with FR_ERROR_INVALID_ARGUMENT and a message naming the argument, on any
/// machine: the library checks everything that needs no device (pointers, struct sizes, names, shapes, dtypes,
/// the plan) before it looks at the context or loads the driver. Nothing here dereferences the fake device pointers:
/// each call fails validation before any device work.
/// </summary>
[TestFixture]
public sealed unsafe class AbiValidationTests
{
    [SetUp]
    public void Library() => NativeTestEnvironment.RequireLibrary();

    private static void AssertInvalid(FrStatus status, string argument, string? contains = null)
    {
        var message = NativeText.LastError();
        Assert.Multiple(() =>
        {
            Assert.That(status, Is.EqualTo(FrStatus.ErrorInvalidArgument), message);
            Assert.That(message, Does.StartWith(argument + ": expected"), "the message names the argument first");
            if (contains is not null) Assert.That(message, Does.Contain(contains));
        });
    }

    // ---- library ------------------------------------------------------------------------------------------

    [Test]
    public void NvrtcVersion_NullPointers()
    {
        int value;
        AssertInvalid(FastRecurrenceNative.FrNvrtcVersion(null, &value), "major");
        AssertInvalid(FastRecurrenceNative.FrNvrtcVersion(&value, null), "minor");
    }

    [Test]
    public void KernelSource_BadIndexAndNullPointers()
    {
        byte* name = null, text = null;
        AssertInvalid(FastRecurrenceNative.FrKernelSource(-1, &name, &text), "index");
        AssertInvalid(FastRecurrenceNative.FrKernelSource(FastRecurrenceNative.FrKernelSourceCount(), &name, &text), "index");
        AssertInvalid(FastRecurrenceNative.FrKernelSource(0, null, &text), "name");
        AssertInvalid(FastRecurrenceNative.FrKernelSource(0, &name, null), "text");
    }

    // ---- devices ------------------------------------------------------------------------------------------

    [Test]
    public void DeviceEntryPoints_NullPointersAndBadOrdinals()
    {
        var buffer = stackalloc byte[64];
        int value;
        AssertInvalid(FastRecurrenceNative.FrDeviceCount(null), "count");
        AssertInvalid(FastRecurrenceNative.FrDeviceName(0, null, 64), "buffer");
        AssertInvalid(FastRecurrenceNative.FrDeviceName(0, buffer, 0), "capacity");
        AssertInvalid(FastRecurrenceNative.FrDeviceName(-1, buffer, 64), "ordinal");
        AssertInvalid(FastRecurrenceNative.FrDeviceAttribute(0, 16, null), "value");
        AssertInvalid(FastRecurrenceNative.FrDeviceAttribute(-1, 16, &value), "ordinal");
        AssertInvalid(FastRecurrenceNative.FrDeviceAttribute(0, 0, &value), "cu_device_attribute");
    }

    // ---- compilation --------------------------------------------------------------------------------------

    /// <summary>Valid options for "scan" on sm_80 with two defines; each test breaks one field.</summary>
    private static void WithOptions(Action<Ptr<FrCompileOptions>, Ptr<FrCompileResult>, Ptr<FrDefine>> test)
    {
        fixed (byte* scan = "scan\0"u8, arch = "sm_80\0"u8, lanes = "FR_SCAN_LANES\0"u8, dtype = "FR_DTYPE\0"u8)
        {
            var defines = stackalloc FrDefine[FrConstants.MaxDefines + 1];
            defines[0] = new FrDefine { Name = dtype, Value = 0 };
            defines[1] = new FrDefine { Name = lanes, Value = 32 };
            var options = new FrCompileOptions
            {
                StructSize = (nuint)sizeof(FrCompileOptions),
                SourceName = scan,
                Arch = arch,
                Defines = defines,
                DefineCount = 2,
                CacheDir = null,
                UseCache = 0,
            };
            var result = new FrCompileResult { StructSize = (nuint)sizeof(FrCompileResult) };
            test(new Ptr<FrCompileOptions>(&options), new Ptr<FrCompileResult>(&result), new Ptr<FrDefine>(defines));
        }
    }

    /// <summary>A pointer that lambdas can capture.</summary>
    private readonly struct Ptr<T>(T* pointer) where T : unmanaged
    {
        public T* P { get; } = pointer;
        public ref T Value => ref *P;
    }

    [Test]
    public void Compile_NullOptionsOrResult()
    {
        WithOptions((options, result, _) =>
        {
            AssertInvalid(FastRecurrenceNative.FrCompile(options.P, null), "result");
            AssertInvalid(FastRecurrenceNative.FrCompile(null, result.P), "options");
        });
    }

    [Test]
    public void Compile_StructSizes_AreCheckedAgainstTheLibrarysOwn()
    {
        WithOptions((options, result, _) =>
        {
            // The library's message quotes its own sizeof: the same number as ours proves the layouts agree.
            result.Value.StructSize = 8;
            AssertInvalid(FastRecurrenceNative.FrCompile(options.P, result.P), "result.struct_size", $"at least {sizeof(FrCompileResult)} ");
            result.Value.StructSize = (nuint)sizeof(FrCompileResult);
            options.Value.StructSize = 8;
            AssertInvalid(FastRecurrenceNative.FrCompile(options.P, result.P), "options.struct_size", $"at least {sizeof(FrCompileOptions)} ");
        });
    }

    [TestCase("sm80")]
    [TestCase("sm_8")]
    [TestCase("compute_80")]
    [TestCase("sm_08")]
    [TestCase("")]
    public void Compile_BadArch(string arch)
    {
        var bytes = NativeText.ToUtf8Z(arch);
        WithOptions((options, result, _) =>
        {
            fixed (byte* pointer = bytes)
            {
                options.Value.Arch = pointer;
                AssertInvalid(FastRecurrenceNative.FrCompile(options.P, result.P), "options.arch", $"got \"{arch}\"");
            }
        });
    }

    [Test]
    public void Compile_NullArch()
    {
        WithOptions((options, result, _) =>
        {
            options.Value.Arch = null;
            AssertInvalid(FastRecurrenceNative.FrCompile(options.P, result.P), "options.arch", "got NULL");
        });
    }

    [Test]
    public void Compile_UnknownOrNullSource_ListsTheEmbeddedSources()
    {
        var bytes = NativeText.ToUtf8Z("lstm_fused");
        WithOptions((options, result, _) =>
        {
            fixed (byte* pointer = bytes)
            {
                options.Value.SourceName = pointer;
                AssertInvalid(FastRecurrenceNative.FrCompile(options.P, result.P), "options.source_name", "scan");
            }
            options.Value.SourceName = null;
            AssertInvalid(FastRecurrenceNative.FrCompile(options.P, result.P), "options.source_name", "got NULL");
        });
    }

    [TestCase(-1)]
    [TestCase(FrConstants.MaxDefines + 1)]
    public void Compile_DefineCountOutOfRange(int count)
    {
        WithOptions((options, result, _) =>
        {
            options.Value.DefineCount = count;
            AssertInvalid(FastRecurrenceNative.FrCompile(options.P, result.P), "options.define_count", "FR_MAX_DEFINES");
        });
    }

    [Test]
    public void Compile_TooManyDefines_IsRefusedEvenWhenTheArrayHoldsThem()
    {
        var names = Enumerable.Range(0, FrConstants.MaxDefines + 1).Select(i => NativeText.ToUtf8Z($"FR_X{i}")).ToArray();
        var handles = names.Select(n => System.Runtime.InteropServices.GCHandle.Alloc(n, System.Runtime.InteropServices.GCHandleType.Pinned)).ToArray();
        try
        {
            WithOptions((options, result, defines) =>
            {
                for (var i = 0; i <= FrConstants.MaxDefines; i++)
                    defines.P[i] = new FrDefine { Name = (byte*)handles[i].AddrOfPinnedObject(), Value = i };
                options.Value.DefineCount = FrConstants.MaxDefines + 1;
                AssertInvalid(FastRecurrenceNative.FrCompile(options.P, result.P), "options.define_count", $"got {FrConstants.MaxDefines + 1}");
            });
        }
        finally
        {
            foreach (var handle in handles) handle.Free();
        }
    }

    [Test]
    public void Compile_BadDefines()
    {
        var bad = NativeText.ToUtf8Z("1FR_BAD");
        var dashed = NativeText.ToUtf8Z("FR-BAD");
        WithOptions((options, result, defines) =>
        {
            options.Value.Defines = null;
            AssertInvalid(FastRecurrenceNative.FrCompile(options.P, result.P), "options.defines", "got NULL");
            options.Value.Defines = defines.P;

            var saved = defines.P[1];
            defines.P[1].Name = null;
            AssertInvalid(FastRecurrenceNative.FrCompile(options.P, result.P), "options.defines[1].name", "got NULL");
            fixed (byte* b = bad, d = dashed)
            {
                defines.P[1].Name = b;
                AssertInvalid(FastRecurrenceNative.FrCompile(options.P, result.P), "options.defines[1].name", "1FR_BAD");
                defines.P[1].Name = d;
                AssertInvalid(FastRecurrenceNative.FrCompile(options.P, result.P), "options.defines[1].name", "FR-BAD");
            }
            defines.P[1] = defines.P[0];
            AssertInvalid(FastRecurrenceNative.FrCompile(options.P, result.P), "options.defines", "FR_DTYPE twice");
            defines.P[1] = saved;
        });
    }

    [Test]
    public void Compile_EmptyCacheDir()
    {
        WithOptions((options, result, _) =>
        {
            fixed (byte* empty = "\0"u8)
            {
                options.Value.CacheDir = empty;
                AssertInvalid(FastRecurrenceNative.FrCompile(options.P, result.P), "options.cache_dir", "empty");
            }
        });
    }

    // ---- contexts, memory, modules, launches ------------------------------------------------------------------

    [Test]
    public void ContextEntryPoints_NullAndUnknownHandles()
    {
        nint context;
        AssertInvalid(FastRecurrenceNative.FrContextCreate(0, null), "context");
        AssertInvalid(FastRecurrenceNative.FrContextCreate(-1, &context), "ordinal");
        AssertInvalid(FastRecurrenceNative.FrContextDestroy(0), "context", "NULL");
        // The library keeps a registry of live handles, so an unknown pointer is refused, never dereferenced.
        AssertInvalid(FastRecurrenceNative.FrContextDestroy(0x1000), "context", "unknown or destroyed");
    }

    [Test]
    public void MemoryEntryPoints_NullContext()
    {
        using var none = new FrContextHandle();
        void* pointer;
        var host = stackalloc byte[16];
        AssertInvalid(FastRecurrenceNative.FrMalloc(none, 16, &pointer), "context");
        AssertInvalid(FastRecurrenceNative.FrFree(none, (void*)0x1000), "context");
        AssertInvalid(FastRecurrenceNative.FrMemcpyToDevice(none, (void*)0x1000, host, 16), "context");
        AssertInvalid(FastRecurrenceNative.FrMemcpyToHost(none, host, (void*)0x1000, 16), "context");
        AssertInvalid(FastRecurrenceNative.FrSynchronize(none, null), "context");
    }

    [Test]
    public void ModuleEntryPoints_NullHandles()
    {
        using var noContext = new FrContextHandle();
        using var noModule = new FrModuleHandle();
        var module = stackalloc nint[1];
        var modulePointer = new Ptr<nint>(module);
        WithOptions((options, _, _) =>
        {
            AssertInvalid(FastRecurrenceNative.FrModuleLoad(noContext, options.P, null), "module");
            AssertInvalid(FastRecurrenceNative.FrModuleLoad(noContext, options.P, modulePointer.P), "context");
        });
        AssertInvalid(FastRecurrenceNative.FrModuleUnload(0), "module", "NULL");
        AssertInvalid(FastRecurrenceNative.FrModuleUnload(0x1000), "module", "unknown");
        var config = new FrLaunchConfig { StructSize = (nuint)sizeof(FrLaunchConfig) };
        AssertInvalid(FastRecurrenceNative.FrLaunch(noModule, "fr_scan_forward", &config, null), "module");
    }

    // ---- scans ----------------------------------------------------------------------------------------------------

    /// <summary>
    /// A planner plan for B=2, T=5, H=3, D=4 and float32 tensors of that shape at fake (never touched) device addresses.
    /// Every call made from it is valid except for the NULL context, which the library checks last.
    /// </summary>
    private sealed class ScanCall : IDisposable
    {
        private readonly NativeStrings _strings = new();

        public ScanCall(PlanDirection direction)
        {
            var problem = new ScanProblem(2, 5, 3, 4);
            var kernelPlan = Planner.Plan(GpuCatalog.Find("A100-80GB"), new PlanRequest(KernelFamily.Scan, default, DataType.Float32,
                problem.Batch, problem.Heads, problem.HeadSize, direction, problem.TimeSteps)).Require();
            Plan = NativePlans.ToNative(kernelPlan, _strings);
            var address = 0x100000L;
            FrTensor Next(bool sequence)
            {
                address += 0x100000;
                return sequence
                    ? ScanLaunch.Tensor(DataType.Float32, (void*)address, [2, 5, 3, 4])
                    : ScanLaunch.Tensor(DataType.Float32, (void*)address, [2, 3, 4]);
            }
            A = Next(true);
            B = Next(true);
            H = Next(true);
            DH = Next(true);
            DA = Next(true);
            DB = Next(true);
            H0 = Next(false);
            HLast = Next(false);
            DHLast = Next(false);
            DH0 = Next(false);
        }

        public FrPlan Plan;
        public FrTensor A, B, H, DH, DA, DB, H0, HLast, DHLast, DH0;

        public FrStatus Forward(FrContextHandle context, long* cuSeqlens = null, int numSeqs = 0)
        {
            fixed (FrPlan* plan = &Plan)
            fixed (FrTensor* a = &A, b = &B, h = &H, h0 = &H0, hLast = &HLast)
                return FastRecurrenceNative.FrScanForward(context, plan, a, b, h0, h, hLast, cuSeqlens, numSeqs, null);
        }

        public FrStatus Backward(FrContextHandle context)
        {
            fixed (FrPlan* plan = &Plan)
            fixed (FrTensor* a = &A, h = &H, h0 = &H0, dh = &DH, dhLast = &DHLast, da = &DA, db = &DB, dh0 = &DH0)
                return FastRecurrenceNative.FrScanBackward(context, plan, a, h, h0, dh, dhLast, da, db, dh0, null, 0, null);
        }

        public void Dispose() => _strings.Dispose();
    }

    private static readonly FrContextHandle NoContext = new();

    [Test]
    public void ScanForward_ValidArguments_ReachTheContextCheck()
    {
        using var call = new ScanCall(PlanDirection.Forward);
        AssertInvalid(call.Forward(NoContext), "context", "got NULL");
        using var backward = new ScanCall(PlanDirection.Backward);
        AssertInvalid(backward.Backward(NoContext), "context", "got NULL");
    }

    [Test]
    public void ScanForward_NullPlanOrTensors()
    {
        using var call = new ScanCall(PlanDirection.Forward);
        var a = call.A;
        var b = call.B;
        var h = call.H;
        fixed (FrPlan* plan = &call.Plan)
        {
            AssertInvalid(FastRecurrenceNative.FrScanForward(NoContext, null, &a, &b, null, &h, null, null, 0, null), "plan");
            AssertInvalid(FastRecurrenceNative.FrScanForward(NoContext, plan, null, &b, null, &h, null, null, 0, null), "a");
            AssertInvalid(FastRecurrenceNative.FrScanForward(NoContext, plan, &a, null, null, &h, null, null, 0, null), "b");
            AssertInvalid(FastRecurrenceNative.FrScanForward(NoContext, plan, &a, &b, null, null, null, null, 0, null), "h");
            // Optional tensors may be NULL: the call gets as far as the context.
            AssertInvalid(FastRecurrenceNative.FrScanForward(NoContext, plan, &a, &b, null, &h, null, null, 0, null), "context");
        }
    }

    [Test]
    public void ScanBackward_NullRequiredTensors()
    {
        using var call = new ScanCall(PlanDirection.Backward);
        var (a, h, dh, da, db) = (call.A, call.H, call.DH, call.DA, call.DB);
        fixed (FrPlan* plan = &call.Plan)
        {
            AssertInvalid(FastRecurrenceNative.FrScanBackward(NoContext, null, &a, &h, null, &dh, null, &da, &db, null, null, 0, null), "plan");
            AssertInvalid(FastRecurrenceNative.FrScanBackward(NoContext, plan, &a, null, null, &dh, null, &da, &db, null, null, 0, null), "h");
            AssertInvalid(FastRecurrenceNative.FrScanBackward(NoContext, plan, &a, &h, null, null, null, &da, &db, null, null, 0, null), "dh");
            AssertInvalid(FastRecurrenceNative.FrScanBackward(NoContext, plan, &a, &h, null, &dh, null, null, &db, null, null, 0, null), "da");
            AssertInvalid(FastRecurrenceNative.FrScanBackward(NoContext, plan, &a, &h, null, &dh, null, &da, null, null, null, 0, null), "db");
            AssertInvalid(FastRecurrenceNative.FrScanBackward(NoContext, plan, &a, &h, null, &dh, null, &da, &db, null, null, 0, null), "context");
        }
    }

    [Test]
    public void Scan_BadPlans()
    {
        using var call = new ScanCall(PlanDirection.Forward);
        var saved = call.Plan;

        call.Plan.StructSize = 8;
        AssertInvalid(call.Forward(NoContext), "plan.struct_size", $"at least {sizeof(FrPlan)} ");
        call.Plan = saved;

        fixed (byte* unknown = "rnn\0"u8)
        {
            call.Plan.SourceName = unknown;
            AssertInvalid(call.Forward(NoContext), "plan.source_name", "scan");
        }
        call.Plan = saved;

        call.Plan.DefineCount = FrConstants.MaxDefines + 1;
        AssertInvalid(call.Forward(NoContext), "plan.define_count", "FR_MAX_DEFINES");
        call.Plan = saved;

        call.Plan.DefineCount = 0;
        AssertInvalid(call.Forward(NoContext), "plan.defines", "FR_DTYPE");
        call.Plan = saved;

        call.Plan.Grid.Y = 0;
        AssertInvalid(call.Forward(NoContext), "plan.grid", "every dimension >= 1");
        call.Plan = saved;

        call.Plan.Kind = (FrLaunchKind)7;
        AssertInvalid(call.Forward(NoContext), "plan.kind");
        call.Plan = saved;

        call.Plan.Grid.Y = 2;
        AssertInvalid(call.Forward(NoContext), "plan.grid.y", "H = 3");
        call.Plan = saved;

        call.Plan.Grid.Z = 1;
        AssertInvalid(call.Forward(NoContext), "plan.grid.z");
        call.Plan = saved;

        // A backward plan given to the forward entry point, and the reverse.
        AssertInvalid(call.Backward(NoContext), "plan.defines", "FR_BACKWARD=1");
    }

    [Test]
    public void Scan_MismatchedShapes()
    {
        using var call = new ScanCall(PlanDirection.Forward);
        call.B.Shape[1] = 6;
        AssertInvalid(call.Forward(NoContext), "b", "expected shape [2, 5, 3, 4], got [2, 6, 3, 4]");
        call.B.Shape[1] = 5;

        call.H.Rank = 3;
        AssertInvalid(call.Forward(NoContext), "h.rank", "expected 4, got 3");
        call.H.Rank = 4;

        call.H0.Shape[0] = 1;
        AssertInvalid(call.Forward(NoContext), "h0", "expected shape [2, 3, 4]");
        call.H0.Shape[0] = 2;

        call.HLast.Rank = 4;
        AssertInvalid(call.Forward(NoContext), "h_last.rank", "expected 3, got 4");
        call.HLast.Rank = 3;

        call.A.Shape[3] = 0;
        AssertInvalid(call.Forward(NoContext), "a.shape[3]");
        call.A.Shape[3] = 4;

        using var backward = new ScanCall(PlanDirection.Backward);
        backward.DA.Shape[2] = 4;
        AssertInvalid(backward.Backward(NoContext), "da", "expected shape [2, 5, 3, 4]");
        backward.DA.Shape[2] = 3;
        backward.DH0.Shape[2] = 5;
        AssertInvalid(backward.Backward(NoContext), "dh0", "expected shape [2, 3, 4]");
        backward.DH0.Shape[2] = 4;
        backward.DHLast.Shape[1] = 1;
        AssertInvalid(backward.Backward(NoContext), "dh_last", "expected shape [2, 3, 4]");
    }

    [Test]
    public void Scan_MismatchedDtypes()
    {
        using var call = new ScanCall(PlanDirection.Forward);
        call.H.Dtype = FrDtype.Float64;
        AssertInvalid(call.Forward(NoContext), "h.dtype", "expected float32");
        call.H.Dtype = FrDtype.Float32;
        call.B.Dtype = (FrDtype)9;
        AssertInvalid(call.Forward(NoContext), "b.dtype", "got 9");
        call.B.Dtype = FrDtype.Float32;

        using var backward = new ScanCall(PlanDirection.Backward);
        backward.DB.Dtype = FrDtype.BFloat16;
        AssertInvalid(backward.Backward(NoContext), "db.dtype", "expected float32");
    }

    [Test]
    public void Scan_BadStridesAndPointers()
    {
        using var call = new ScanCall(PlanDirection.Forward);
        call.A.Data = null;
        AssertInvalid(call.Forward(NoContext), "a.data", "NULL");
        call.A.Data = (void*)0x100000;

        call.B.Strides[3] = 2;
        AssertInvalid(call.Forward(NoContext), "b.strides[3]", "expected 1");
        call.B.Strides[3] = 1;

        call.H0.Strides[0] = 24;
        AssertInvalid(call.Forward(NoContext), "h0.strides", "contiguous");
        call.H0.Strides[0] = 12;

        // An output whose strides make two elements share memory.
        call.H.Strides[0] = 0;
        AssertInvalid(call.Forward(NoContext), "h.strides[0]", "positive");
        call.H.Strides[0] = 60;
        call.H.Strides[1] = 4;
        AssertInvalid(call.Forward(NoContext), "h.strides", "overlapping");
    }

    [Test]
    public void Scan_OutputsSharingMemory_AreRefused_NamingBoth()
    {
        using var call = new ScanCall(PlanDirection.Forward);
        call.H.Data = call.B.Data;  // in place
        AssertInvalid(call.Forward(NoContext), "h", "overlapping b's");
        call.H.Data = (byte*)call.A.Data + 16;  // partly over a
        AssertInvalid(call.Forward(NoContext), "h", "overlapping a's");
        call.H.Data = (byte*)call.A.Data + 2 * 5 * 3 * 4 * sizeof(float);  // right after a: touching only
        AssertInvalid(call.Forward(NoContext), "context", "got NULL");

        using var backward = new ScanCall(PlanDirection.Backward);
        backward.DB.Data = backward.DA.Data;  // two outputs
        AssertInvalid(backward.Backward(NoContext), "da", "overlapping db's");
        backward.DB.Data = backward.DH.Data;
        AssertInvalid(backward.Backward(NoContext), "db", "overlapping dh's");
    }

    [Test]
    public void Scan_VariableLengthArguments()
    {
        using var call = new ScanCall(PlanDirection.Forward);
        AssertInvalid(call.Forward(NoContext, null, 3), "num_seqs", "without cu_seqlens");
        var offsets = stackalloc long[3];
        AssertInvalid(call.Forward(NoContext, offsets, 2), "a.shape[0]", "B = 1 with cu_seqlens");
    }
}
