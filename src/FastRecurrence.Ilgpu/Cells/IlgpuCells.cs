using static FastRecurrence.Ilgpu.Cells.CellMath;

namespace FastRecurrence.Ilgpu.Cells;

/// <summary>LSTM: gates i, f, z, o; states y, c (math.md section 2).</summary>
internal readonly struct LstmIlgpuCell : IIlgpuCell
{
    public int Gates => 4;
    public int Biases => 4;
    public int States => 2;

    public Vec4 Forward(Vec4 wx, Vec4 rh, Vec4 bias, Vec4 prev)
    {
        float i = Sigmoid(wx.V0 + rh.V0 + bias.V0);
        float f = Sigmoid(wx.V1 + rh.V1 + bias.V1);
        float z = Tanh(wx.V2 + rh.V2 + bias.V2);
        float o = Sigmoid(wx.V3 + rh.V3 + bias.V3);
        float c = f * prev.V1 + i * z;
        return new Vec4 { V0 = o * Tanh(c), V1 = c };
    }

    public CellGradients Backward(Vec4 wx, Vec4 rh, Vec4 bias, Vec4 prev, Vec4 next, Vec4 dNext)
    {
        float i = Sigmoid(wx.V0 + rh.V0 + bias.V0);
        float f = Sigmoid(wx.V1 + rh.V1 + bias.V1);
        float z = Tanh(wx.V2 + rh.V2 + bias.V2);
        float o = Sigmoid(wx.V3 + rh.V3 + bias.V3);
        float tanhC = Tanh(next.V1);
        float dh = dNext.V0;
        float dc = dNext.V1 + dh * o * (1.0f - tanhC * tanhC);
        var d = new Vec4
        {
            V0 = dc * z * i * (1.0f - i),
            V1 = dc * prev.V1 * f * (1.0f - f),
            V2 = dc * i * (1.0f - z * z),
            V3 = dh * tanhC * o * (1.0f - o),
        };
        return new CellGradients { DWx = d, DRh = d, DBias = d, DPrev = new Vec4 { V1 = dc * f } };
    }
}

/// <summary>GRU, PyTorch's "linear before reset": gates r, z, n; biases (r, z, n input, n hidden).</summary>
internal readonly struct GruIlgpuCell : IIlgpuCell
{
    public int Gates => 3;
    public int Biases => 4;
    public int States => 1;

    public Vec4 Forward(Vec4 wx, Vec4 rh, Vec4 bias, Vec4 prev)
    {
        float r = Sigmoid(wx.V0 + rh.V0 + bias.V0);
        float u = Sigmoid(wx.V1 + rh.V1 + bias.V1);
        float n = Tanh(wx.V2 + bias.V2 + r * (rh.V2 + bias.V3));
        return new Vec4 { V0 = (1.0f - u) * n + u * prev.V0 };
    }

    public CellGradients Backward(Vec4 wx, Vec4 rh, Vec4 bias, Vec4 prev, Vec4 next, Vec4 dNext)
    {
        float r = Sigmoid(wx.V0 + rh.V0 + bias.V0);
        float u = Sigmoid(wx.V1 + rh.V1 + bias.V1);
        float hiddenN = rh.V2 + bias.V3;
        float n = Tanh(wx.V2 + bias.V2 + r * hiddenN);
        float dh = dNext.V0;
        float dPreN = dh * (1.0f - u) * (1.0f - n * n);
        float dPreU = dh * (prev.V0 - n) * u * (1.0f - u);
        float dPreR = dPreN * hiddenN * r * (1.0f - r);
        float dHiddenN = dPreN * r;
        return new CellGradients
        {
            DWx = new Vec4 { V0 = dPreR, V1 = dPreU, V2 = dPreN },
            DRh = new Vec4 { V0 = dPreR, V1 = dPreU, V2 = dHiddenN },
            DBias = new Vec4 { V0 = dPreR, V1 = dPreU, V2 = dPreN, V3 = dHiddenN },
            DPrev = new Vec4 { V0 = dh * u },
        };
    }
}

/// <summary>sLSTM with the log-space stabiliser m: gates i, f, z, o; states y, c, n, m; m held constant backward.</summary>
internal readonly struct SLstmIlgpuCell : IIlgpuCell
{
    public int Gates => 4;
    public int Biases => 4;
    public int States => 4;

    public Vec4 Forward(Vec4 wx, Vec4 rh, Vec4 bias, Vec4 prev)
    {
        float gi = wx.V0 + rh.V0 + bias.V0;
        float gf = wx.V1 + rh.V1 + bias.V1;
        float z = Tanh(wx.V2 + rh.V2 + bias.V2);
        float o = Sigmoid(wx.V3 + rh.V3 + bias.V3);
        float logF = LogSigmoid(gf) + prev.V3;
        // NaN propagates into m as on the CPU (PTX's max.f32, which MathF.Max becomes on a GPU, returns the other operand)
        float m = prev.V2 == 0.0f ? gi : float.IsNaN(gi) || float.IsNaN(logF) ? gi + logF : MathF.Max(gi, logF);
        float iGate = Exp(gi - m);
        float fGate = Exp(logF - m);
        float c = TimesForgetGate(prev.V1, fGate) + iGate * z;
        float n = TimesForgetGate(prev.V2, fGate) + iGate;
        return new Vec4 { V0 = o * c / n, V1 = c, V2 = n, V3 = m };
    }

    public CellGradients Backward(Vec4 wx, Vec4 rh, Vec4 bias, Vec4 prev, Vec4 next, Vec4 dNext)
    {
        float gi = wx.V0 + rh.V0 + bias.V0;
        float gf = wx.V1 + rh.V1 + bias.V1;
        float z = Tanh(wx.V2 + rh.V2 + bias.V2);
        float o = Sigmoid(wx.V3 + rh.V3 + bias.V3);
        float logF = LogSigmoid(gf) + prev.V3;
        float m = next.V3;
        float iGate = Exp(gi - m);
        float fGate = Exp(logF - m);
        float c = next.V1;
        float n = next.V2;
        float dy = dNext.V0;
        float dc = dNext.V1 + dy * o / n;
        float dn = dNext.V2 - dy * o * c / (n * n);
        float dIGate = dc * z + dn;
        float dFGate = dc * prev.V1 + dn * prev.V2;
        float dLogF = TimesForgetGate(dFGate, fGate);
        var d = new Vec4
        {
            V0 = dIGate * iGate,
            V1 = dLogF * (1.0f - Sigmoid(gf)),
            V2 = dc * iGate * (1.0f - z * z),
            V3 = dy * (c / n) * o * (1.0f - o),
        };
        return new CellGradients { DWx = d, DRh = d, DBias = d, DPrev = new Vec4 { V1 = TimesForgetGate(dc, fGate), V2 = TimesForgetGate(dn, fGate), V3 = dLogF } };
    }

    // from a zero state f' can overflow (m = g~_i); the zero it multiplies stays zero, as in the reference's SLstmCell
    private static float TimesForgetGate(float x, float fGate) => x == 0.0f && fGate > float.MaxValue ? 0.0f : x * fGate;
}

/// <summary>Elman: y = tanh(Wx + R y_{t-1} + b).</summary>
internal readonly struct ElmanIlgpuCell : IIlgpuCell
{
    public int Gates => 1;
    public int Biases => 1;
    public int States => 1;

    public Vec4 Forward(Vec4 wx, Vec4 rh, Vec4 bias, Vec4 prev) => new() { V0 = Tanh(wx.V0 + rh.V0 + bias.V0) };

    public CellGradients Backward(Vec4 wx, Vec4 rh, Vec4 bias, Vec4 prev, Vec4 next, Vec4 dNext)
    {
        float h = next.V0;
        var d = new Vec4 { V0 = dNext.V0 * (1.0f - h * h) };
        return new CellGradients { DWx = d, DRh = d, DBias = d };
    }
}
