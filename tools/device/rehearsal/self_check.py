#!/usr/bin/env python3
"""The stand-in torch's own check (DeviceRehearsalTests runs it): what a rehearsal relies on it for. Its values (bf16
rounding, gradients against central differences, nn.LSTM against its formula) and its strictness: each misuse real
torch refuses must raise here too, or a rehearsal would pass a script the GPU run then fails on. Prints one line per
check; exits 1 on the first that does not hold."""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch  # noqa: E402  (the stand-in beside this file)

checks = 0


def holds(what, condition):
    global checks
    if not condition:
        sys.exit(f"FAIL {what}")
    checks += 1
    print(f"ok   {what}")


def raises(what, action, error=(RuntimeError, TypeError, ValueError)):
    try:
        action()
    except error:
        holds(what, True)
        return
    holds(what + " (did not raise)", False)


# values
bits = torch.tensor([1.0, 1.00390625, 1.01171875, float("nan")]).to(torch.bfloat16)._a
holds("bf16 rounds to nearest even (1 + 2^-8 -> 1, 1 + 3 * 2^-8 -> 1 + 2^-6) and keeps NaN",
      list(bits[:3]) == [0x3F80, 0x3F80, 0x3F82] and bits[3] == 0x7FC0)
holds("a view shares memory and reports element strides",
      torch.zeros(3, 4, device="cuda")[:, 1].stride() == (4,) and torch.zeros(3, 4).t().stride() == (1, 4))
x = torch.zeros(2, 3, device="cuda").t()
holds("contiguous() gives C-contiguous memory", x.contiguous().is_contiguous() and x.contiguous().stride() == (2, 1))
holds("a 0-dim float64 tensor does not widen a float32 tensor",
      (torch.ones(2) * torch.tensor(np.float64(2.0))).dtype is torch.float32)
holds("integer true division is float", (torch.tensor([3], dtype=torch.int32) / 2).dtype is torch.float32)

g = torch.Generator().manual_seed(3)
a, b = (torch.randn(2, 3, 3, generator=g, dtype=torch.float64) for _ in range(2))
r = torch.randn(2, 3, 3, 3, generator=g, dtype=torch.float64)


def loss(a, b, r):
    gi = torch.einsum("ghdk,bhk->bghd", r, torch.tanh(a[:, :1]).expand(2, 3, 3))[:, 0]
    m = torch.where(b > 0, gi, torch.maximum(gi, torch.nn.functional.logsigmoid(b)))
    return (torch.sigmoid(m) * torch.exp(-a) / (1 + b * b) + torch.stack([a, b], 1).sum() - (1 - a) * b).sum()


leaves = [t.clone().requires_grad_(True) for t in (a, b, r)]
grads = torch.autograd.grad(loss(*leaves), leaves)
worst = 0.0
for i, leaf in enumerate((a, b, r)):
    flat = leaf._a.reshape(-1)
    for j in range(flat.size):
        saved = flat[j]
        flat[j] = saved + 1e-6
        up = loss(a, b, r).item()
        flat[j] = saved - 1e-6
        down = loss(a, b, r).item()
        flat[j] = saved
        worst = max(worst, abs((up - down) / 2e-6 - grads[i]._a.reshape(-1)[j]))
holds(f"autograd matches central differences through einsum, where, maximum, stack, expand (worst {worst:.1e})", worst < 1e-6)

lstm = torch.nn.LSTM(3, 2, batch_first=True).to(dtype=torch.float64)
xs = torch.randn(1, 1, 3, dtype=torch.float64)
out, (hn, cn) = lstm(xs)
gates = xs._a[0, 0] @ lstm.weight_ih_l0._a.T + lstm.bias_ih_l0._a + lstm.bias_hh_l0._a
i, f, z, o = np.split(gates, 4)
c = 1 / (1 + np.exp(-i)) * np.tanh(z)
holds("nn.LSTM: PyTorch's gate order i, f, g, o and both biases",
      np.allclose(cn._a[0, 0], c) and np.allclose(out._a[0, 0], 1 / (1 + np.exp(-o)) * np.tanh(c)))

# strictness
raises("a CPU tensor and a cuda one in one operation", lambda: torch.randn(3) + torch.randn(3, device="cuda"))
raises("numpy() of a cuda tensor", lambda: torch.zeros(2, device="cuda").numpy())
raises("numpy() of a bf16 tensor", lambda: torch.zeros(2).to(torch.bfloat16).numpy())
raises("numpy() of a tensor that requires grad", lambda: torch.zeros(2, requires_grad=True).numpy())
raises("a cuda generator for a CPU tensor", lambda: torch.randn(2, generator=torch.Generator(device="cuda")))
raises("pack_padded_sequence with cuda lengths", lambda: torch.nn.utils.rnn.pack_padded_sequence(
    torch.zeros(2, 3, 1), torch.tensor([3, 2], device="cuda"), batch_first=True, enforce_sorted=False))
raises("an nn.LSTM input of another dtype", lambda: torch.nn.LSTM(3, 2, batch_first=True)(torch.zeros(1, 1, 3, dtype=torch.float64)))
raises("an nn.GRU h0 of the wrong batch", lambda: torch.nn.GRU(3, 2, batch_first=True)(torch.zeros(2, 1, 3), torch.zeros(1, 1, 2)))
raises("an nn module on the CPU given a cuda input", lambda: torch.nn.RNN(3, 2, batch_first=True)(torch.zeros(1, 1, 3, device="cuda")))
leaf = torch.zeros(2, requires_grad=True)
raises("an in-place write into a leaf that requires grad", lambda: leaf.zero_())
saved = torch.ones(2).requires_grad_(True)
y = saved * 1.0
s = y * y
y.detach().zero_()  # the detached alias shares y's version, as torch's
raises("backward through a saved tensor written in place since", lambda: s.sum().backward())
total = torch.sigmoid(torch.ones(2, requires_grad=True) * 2).sum()
total.backward()
raises("a second backward through a freed graph", lambda: total.backward())
raises("backward of a non-scalar without a gradient", lambda: (torch.ones(2, requires_grad=True) * 2).backward())
raises("backward with a gradient that only broadcasts", lambda: (torch.ones(2, requires_grad=True) * 2).backward(torch.ones(1)))
raises("torch.equal across devices", lambda: torch.equal(torch.zeros(1), torch.zeros(1, device="cuda")))
print(f"{checks} checks hold")
