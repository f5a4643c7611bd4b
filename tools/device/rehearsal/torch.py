"""A stand-in for torch, on numpy, for rehearsing the GPU checks of tools/device on a machine with neither torch nor a
GPU (tools/device/rehearse.py puts this folder first on sys.path; the checks' kernels then run on the CPU emulator).

Not torch: only what the checks use, with torch's semantics where they depend on them: the storage of each dtype (bf16
as its 16 bits, rounded to nearest even), views sharing memory with element strides, broadcasting and type promotion,
in-place writes, reverse-mode autograd through the operations the float64 references and the recurrent modules use,
and nn.LSTM / nn.GRU / nn.RNN with PyTorch's gate order and bias placement. "cuda" tensors live in host memory, which
is what an emulated context reads as device memory; streams are 0 and events read the host clock.
"""
import builtins
import math
import time
import types

import numpy as np

__version__ = "0.0+rehearsal"
version = types.SimpleNamespace(cuda="emulated")


class dtype:  # noqa: N801 (torch's name)
    def __init__(self, name, storage, rank):
        self.name, self.storage, self.rank = name, np.dtype(storage), rank
        self.is_floating_point = rank > 1

    def __repr__(self):
        return "torch." + self.name

    @property
    def itemsize(self):
        return self.storage.itemsize


bool_ = dtype("bool", np.bool_, 0)
int32 = dtype("int32", np.int32, 1)
int64 = dtype("int64", np.int64, 1)
bfloat16 = dtype("bfloat16", np.uint16, 2)
float16 = dtype("float16", np.float16, 2)
float32 = dtype("float32", np.float32, 3)
float64 = dtype("float64", np.float64, 4)
float, double, half, int, long = float32, float64, float16, int32, int64  # noqa: A001 (torch's aliases)
_BY_NUMPY = {np.dtype(np.bool_): bool_, np.dtype(np.int32): int32, np.dtype(np.int64): int64,
             np.dtype(np.float16): float16, np.dtype(np.float32): float32, np.dtype(np.float64): float64}


def _to_bf16_bits(values):
    """float32 -> bfloat16 bits, rounded to nearest even (NaN stays a quiet NaN)."""
    bits = np.ascontiguousarray(values, dtype=np.float32).view(np.uint32).astype(np.uint64)
    rounded = ((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16).astype(np.uint16)
    return np.where(np.isnan(values), np.uint16(0x7FC0), rounded)


def _from_bf16_bits(bits):
    return (np.asarray(bits).astype(np.uint32) << 16).view(np.float32)


def _store(values, dt):
    """values (any numpy array or scalar) as a new array in dt's storage."""
    values = np.asarray(values)
    if dt is bfloat16:
        return _to_bf16_bits(values.astype(np.float32))
    return values.astype(dt.storage)


def _promote(a, b):
    """torch's result type of a binary operation: tensors over Python scalars, the wider float, bf16 with fp16 -> fp32."""
    if not isinstance(b, Tensor):
        if isinstance(b, (bool, np.bool_)) or a.dtype.rank > 1:
            return a.dtype
        return float32 if isinstance(b, (builtins.float, np.floating)) else a.dtype
    if not isinstance(a, Tensor):
        return _promote(b, a)
    if a.dtype.rank == b.dtype.rank == 2 and a.dtype is not b.dtype:
        return float32
    return a.dtype if a.dtype.rank >= b.dtype.rank else b.dtype



_grad_enabled = [True]


class _GradMode:
    """no_grad / enable_grad / set_grad_enabled: a context manager (and set_grad_enabled also a plain call)."""

    def __init__(self, enabled):
        self.previous, self.enabled = _grad_enabled[0], enabled
        _grad_enabled[0] = enabled

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        _grad_enabled[0] = self.previous


def no_grad():
    return _GradMode(False)


def enable_grad():
    return _GradMode(True)


def set_grad_enabled(enabled):
    return _GradMode(bool(enabled))


def _value(x):
    """The numpy value to compute with: bf16 widened to fp32, others as stored; scalars as they are."""
    if isinstance(x, Tensor):
        return _from_bf16_bits(x._a) if x.dtype is bfloat16 else x._a
    return x


def _unbroadcast(grad, shape):
    while grad.ndim > len(shape):
        grad = grad.sum(0)
    for axis, size in enumerate(shape):
        if size == 1 and grad.shape[axis] != 1:
            grad = grad.sum(axis, keepdims=True)
    return grad


def _result(values, dt, parents, backward):
    """A new tensor from an operation; it records backward (grad -> one grad per parent) when a parent needs grad."""
    needs = _grad_enabled[0] and any(isinstance(p, Tensor) and p.requires_grad for p in parents)
    out = Tensor(_store(values, dt), dt)
    if needs:
        out.requires_grad = True
        out._backward = (parents, backward)
    return out


class Size(tuple):
    def numel(self):
        return math.prod(self)


class Tensor:
    def __init__(self, array, dt):
        self._a, self.dtype = array, dt
        self.requires_grad, self.grad, self._backward = False, None, None

    # ---- facts
    @property
    def shape(self):
        return Size(self._a.shape)

    def size(self, dim=None):
        return self.shape if dim is None else self._a.shape[dim]

    def dim(self):
        return self._a.ndim

    def numel(self):
        return self._a.size

    def element_size(self):
        return self.dtype.itemsize

    def stride(self, dim=None):
        strides = tuple(s // self._a.itemsize for s in self._a.strides)
        return strides if dim is None else strides[dim]

    def data_ptr(self):
        return self._a.__array_interface__["data"][0]

    def is_contiguous(self):
        return self._a.flags["C_CONTIGUOUS"]

    @property
    def device(self):
        return "cuda"

    @property
    def is_leaf(self):
        return self._backward is None

    def __len__(self):
        return self._a.shape[0]

    def __repr__(self):
        return f"tensor({_value(self)!r}, dtype={self.dtype})"

    def item(self):
        return _value(self).item()

    def __bool__(self):
        return bool(_value(self))

    def __float__(self):
        return builtins.float(_value(self))

    def tolist(self):
        return _value(self).tolist()

    def __array__(self, dtype=None, copy=None):
        return np.asarray(_value(self), dtype=dtype)

    def numpy(self):
        if self.requires_grad:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.")
        return _value(self)

    # ---- conversions and copies
    def to(self, target=None, dtype=None, **_):
        dt = dtype if dtype is not None else target
        if not isinstance(dt, globals()["dtype"]) or dt is self.dtype:
            return self
        src = self
        return _result(_value(self), dt, [self], lambda g: [g.astype(_value(src).dtype)])

    def double(self):
        return self.to(float64)

    def float(self):
        return self.to(float32)

    def half(self):
        return self.to(float16)

    def bfloat16(self):
        return self.to(bfloat16)

    def cuda(self, *_, **__):
        return self

    def cpu(self):
        return self

    def contiguous(self):
        if self.is_contiguous():
            return self
        return _result(_value(self), self.dtype, [self], lambda g: [g])

    def clone(self):
        return _result(_value(self).copy(), self.dtype, [self], lambda g: [g])

    def detach(self):
        return Tensor(self._a, self.dtype)  # shares memory, as torch's detach does

    def requires_grad_(self, requires=True):
        if not self.is_leaf:
            raise RuntimeError("requires_grad_ on a non-leaf tensor")
        self.requires_grad = requires
        return self

    def _write(self, values):
        if self.requires_grad and _grad_enabled[0]:
            raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")
        self._a[...] = _store(np.broadcast_to(_value(values), self._a.shape), self.dtype)
        return self

    def copy_(self, other):
        return self._write(other)

    def zero_(self):
        return self._write(0)

    def fill_(self, value):
        return self._write(value)

    def uniform_(self, low=0.0, high=1.0, generator=None):
        return self._write(_rng(generator).uniform(low, high, self._a.shape))

    def normal_(self, mean=0.0, std=1.0, generator=None):
        return self._write(_rng(generator).normal(mean, std, self._a.shape))

    # ---- views
    def __getitem__(self, index):
        if isinstance(index, Tensor):
            raise NotImplementedError("rehearsal torch: indexing by a tensor")
        shape = self._a.shape
        out = Tensor(self._a[index], self.dtype)  # a view (basic indexing)
        if _grad_enabled[0] and self.requires_grad:
            def backward(g):
                full = np.zeros(shape, dtype=g.dtype)
                full[index] = g
                return [full]
            out.requires_grad, out._backward = True, ([self], backward)
        return out

    def __setitem__(self, index, value):
        Tensor(self._a[index], self.dtype)._write(value)

    def _view(self, array, backward):
        out = Tensor(array, self.dtype)
        if _grad_enabled[0] and self.requires_grad:
            out.requires_grad, out._backward = True, ([self], backward)
        return out

    def reshape(self, *shape):
        shape = shape[0] if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape
        original = self._a.shape
        array = self._a.reshape(shape)  # a view where numpy can make one, else a copy (torch's reshape too)
        return self._view(array, lambda g: [g.reshape(original)])

    def view(self, *shape):
        shape = shape[0] if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape
        array = self._a.view()
        array.shape = shape  # raises where a view is impossible, as torch's view does
        original = self._a.shape
        return self._view(array, lambda g: [g.reshape(original)])

    def permute(self, *dims):
        dims = dims[0] if len(dims) == 1 and isinstance(dims[0], (tuple, list)) else dims
        inverse = np.argsort(dims)
        return self._view(self._a.transpose(dims), lambda g: [g.transpose(inverse)])

    def transpose(self, a, b):
        dims = list(range(self.dim()))
        dims[a], dims[b] = dims[b], dims[a]
        return self.permute(dims)

    def t(self):
        return self.transpose(0, 1)

    @property
    def T(self):  # noqa: N802 (torch's name)
        return self.permute(list(reversed(range(self.dim()))))

    def unsqueeze(self, dim):
        return self.reshape(self._a.shape[:dim] + (1,) + self._a.shape[dim:]) if dim >= 0 else \
            self.unsqueeze(self.dim() + dim + 1)

    def squeeze(self, dim):
        return self.reshape(self._a.shape[:dim] + self._a.shape[dim + 1:]) if self._a.shape[dim] == 1 else self

    def expand(self, *shape):
        shape = tuple(s if s != -1 else self._a.shape[i - len(shape) + self.dim()] for i, s in enumerate(shape))
        original = self._a.shape
        return self._view(np.broadcast_to(self._a, shape), lambda g: [_unbroadcast(g, original)])

    def chunk(self, chunks, dim=0):
        size = self._a.shape[dim] // chunks
        index = [slice(None)] * self.dim()
        parts = []
        for i in range(chunks):
            index[dim] = slice(i * size, (i + 1) * size)
            parts.append(self[tuple(index)])
        return parts

    # ---- arithmetic (differentiable)
    def _binary(self, other, op, grads):
        a, b = _value(self), _value(other)
        dt = _promote(self, other)
        shapes = (np.shape(a), np.shape(b))
        return _result(op(a, b), dt, [self, other],
                       lambda g: [_unbroadcast(ga, s) if ga is not None else None
                                  for ga, s in zip(grads(g, a, b), shapes)])

    def __add__(self, other):
        return self._binary(other, np.add, lambda g, a, b: (g, g))

    def __radd__(self, other):
        return self.__add__(other)

    def __sub__(self, other):
        return self._binary(other, np.subtract, lambda g, a, b: (g, -g))

    def __rsub__(self, other):
        return (-self).__add__(other)

    def __mul__(self, other):
        return self._binary(other, np.multiply, lambda g, a, b: (g * b, g * a))

    def __rmul__(self, other):
        return self.__mul__(other)

    def __truediv__(self, other):
        return self._binary(other, np.divide, lambda g, a, b: (g / b, -g * a / (b * b)))

    def __rtruediv__(self, other):
        return full_like(self, other, dtype=_promote(self, other)) / self

    def __neg__(self):
        return _result(-_value(self), self.dtype, [self], lambda g: [-g])

    def __pow__(self, exponent):
        a = _value(self)
        return _result(a ** exponent, self.dtype, [self], lambda g: [g * exponent * a ** (exponent - 1)])

    def __matmul__(self, other):
        a, b = _value(self), _value(other)
        return _result(a @ b, _promote(self, other), [self, other],
                       lambda g: [g @ np.swapaxes(b, -1, -2), np.swapaxes(a, -1, -2) @ g])

    def mul(self, other):
        return self * other

    def add(self, other):
        return self + other

    def sum(self, dim=None, keepdim=False):
        a = _value(self)
        shape = a.shape
        if dim is None:
            return _result(a.sum(), self.dtype, [self], lambda g: [np.broadcast_to(g, shape).copy()])
        return _result(a.sum(dim, keepdims=keepdim), self.dtype, [self],
                       lambda g: [np.broadcast_to(g if keepdim else np.expand_dims(g, dim), shape).copy()])

    def mean(self):
        return self.sum() / self.numel()

    def abs(self):
        a = _value(self)
        return _result(np.abs(a), self.dtype, [self], lambda g: [g * np.sign(a)])

    def max(self):
        return _constant(np.max(_value(self)), self.dtype)

    def norm(self):
        return _constant(np.sqrt(np.sum(np.square(_value(self).astype(np.float64)))), self.dtype)

    def clamp_min(self, low):
        return _constant(np.maximum(_value(self), low), self.dtype)

    def all(self):
        return _constant(np.all(_value(self)), bool_)

    def any(self):
        return _constant(np.any(_value(self)), bool_)

    def _compare(self, other, op):
        return _constant(op(_value(self), _value(other)), bool_)

    def __eq__(self, other):  # noqa: D105 (elementwise, as torch's)
        return self._compare(other, np.equal)

    def __ne__(self, other):
        return self._compare(other, np.not_equal)

    def __lt__(self, other):
        return self._compare(other, np.less)

    def __le__(self, other):
        return self._compare(other, np.less_equal)

    def __gt__(self, other):
        return self._compare(other, np.greater)

    def __ge__(self, other):
        return self._compare(other, np.greater_equal)

    __hash__ = object.__hash__

    # ---- autograd
    def backward(self, gradient=None):
        if gradient is None:
            if self.numel() != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            gradient = np.ones(self._a.shape)
        for leaf, g in _backpropagate(self, _value(gradient)):
            if leaf.is_leaf and leaf.requires_grad:
                g = Tensor(_store(g, leaf.dtype), leaf.dtype)
                leaf.grad = g if leaf.grad is None else Tensor(_store(_value(leaf.grad) + _value(g), leaf.dtype), leaf.dtype)


def _constant(values, dt):
    """A result that takes no gradient (comparisons, norms: the checks never differentiate through them)."""
    return Tensor(_store(values, dt), dt)


def _backpropagate(root, gradient):
    """Reverse mode from root: (tensor, accumulated gradient (numpy)) for every tensor on the way."""
    order, seen = [], set()
    stack = [(root, False)]
    while stack:
        node, done = stack.pop()
        if done:
            order.append(node)
            continue
        if id(node) in seen:
            continue
        seen.add(id(node))
        stack.append((node, True))
        if node._backward is not None:
            stack.extend((p, False) for p in node._backward[0] if isinstance(p, Tensor) and p.requires_grad)
    grads = {id(root): np.asarray(gradient, dtype=np.float64)}
    by_id = {id(n): n for n in order}
    for node in reversed(order):
        g = grads.get(id(node))
        if g is None or node._backward is None:
            continue
        parents, backward = node._backward
        for parent, pg in zip(parents, backward(g)):
            if isinstance(parent, Tensor) and parent.requires_grad and pg is not None:
                grads[id(parent)] = grads[id(parent)] + pg if id(parent) in grads else np.asarray(pg)
    return [(by_id[i], g) for i, g in grads.items()]


class _Autograd:
    @staticmethod
    def grad(output, inputs, grad_outputs=None):
        gradient = np.ones(output._a.shape) if grad_outputs is None else _value(grad_outputs)
        found = {id(t): g for t, g in _backpropagate(output, gradient)}
        result = []
        for t in inputs:
            if id(t) not in found:
                raise RuntimeError("One of the differentiated Tensors appears to not have been used in the graph.")
            result.append(Tensor(_store(found[id(t)], t.dtype), t.dtype))
        return tuple(result)


autograd = _Autograd()


# ---- random numbers
class Generator:
    def __init__(self, device=None):
        self.rng = np.random.default_rng(0)

    def manual_seed(self, seed):
        self.rng = np.random.default_rng(seed)
        return self


_default = Generator()


def manual_seed(seed):
    _default.manual_seed(seed)
    return _default


def _rng(generator):
    return (generator or _default).rng


def _shape(size):
    return tuple(size[0]) if len(size) == 1 and isinstance(size[0], (tuple, list)) else tuple(size)


def _made(values, dt, requires_grad=False):
    out = Tensor(_store(values, dt), dt)
    out.requires_grad = requires_grad
    return out


def randn(*size, generator=None, dtype=None, device=None, requires_grad=False):
    return _made(_rng(generator).standard_normal(_shape(size)), dtype or float32, requires_grad)


def rand(*size, generator=None, dtype=None, device=None, requires_grad=False):
    return _made(_rng(generator).random(_shape(size)), dtype or float32, requires_grad)


def randn_like(t, dtype=None, **_):
    return randn(t.shape, dtype=dtype or t.dtype)


def full(size, value, dtype=None, device=None, requires_grad=False):
    return _made(np.full(tuple(size), value), dtype or float32, requires_grad)


def empty(*size, dtype=None, device=None, requires_grad=False):
    dt = dtype or float32
    return _made(np.full(_shape(size), np.nan if dt.rank > 1 else 0), dt, requires_grad)  # poisoned, not zeros


def zeros(*size, dtype=None, device=None, requires_grad=False):
    return _made(np.zeros(_shape(size)), dtype or float32, requires_grad)


def ones(*size, dtype=None, device=None, requires_grad=False):
    return _made(np.ones(_shape(size)), dtype or float32, requires_grad)


def full_like(t, value, dtype=None, **_):
    return full(t.shape, value, dtype=dtype or t.dtype)


def empty_like(t, dtype=None, **_):
    return empty(t.shape, dtype=dtype or t.dtype)


def zeros_like(t, dtype=None, **_):
    return zeros(t.shape, dtype=dtype or t.dtype)


def eye(n, dtype=None, device=None):
    return _made(np.eye(n), dtype or float32)


def tensor(data, dtype=None, device=None, requires_grad=False):
    values = np.asarray(data)
    dt = dtype or (float32 if values.dtype.kind == "f" else _BY_NUMPY.get(values.dtype, int64))
    return _made(values, dt, requires_grad)


def from_numpy(array):
    return Tensor(array, _BY_NUMPY[array.dtype])  # shares memory


# ---- functions
def _unary(x, forward, derivative):
    a = _value(x)
    y = forward(a)
    return _result(y, x.dtype, [x], lambda g: [g * derivative(a, y)])


def sigmoid(x):
    return _unary(x, lambda a: 1 / (1 + np.exp(-a)), lambda a, y: y * (1 - y))


def tanh(x):
    return _unary(x, np.tanh, lambda a, y: 1 - y * y)


def exp(x):
    return _unary(x, np.exp, lambda a, y: y)


def log(x):
    return _unary(x, np.log, lambda a, y: 1 / a)


def _logsigmoid(x):
    return _unary(x, lambda a: np.minimum(a, 0) - np.log1p(np.exp(-np.abs(a))), lambda a, y: 1 / (1 + np.exp(a)))


def where(condition, a, b):
    c, va, vb = _value(condition).astype(bool), _value(a), _value(b)
    shapes = (np.shape(va), np.shape(vb))
    dt = _promote(a, b) if isinstance(a, Tensor) else b.dtype
    return _result(np.where(c, va, vb), dt, [a, b],
                   lambda g: [_unbroadcast(np.where(c, g, 0), shapes[0]), _unbroadcast(np.where(c, 0, g), shapes[1])])


def maximum(a, b):
    va, vb = _value(a), _value(b)
    shapes = (np.shape(va), np.shape(vb))
    # torch's split of the gradient: all to the larger, half each where equal
    return _result(np.maximum(va, vb), _promote(a, b), [a, b],
                   lambda g: [_unbroadcast(g * ((va > vb) + 0.5 * (va == vb)), shapes[0]),
                              _unbroadcast(g * ((vb > va) + 0.5 * (va == vb)), shapes[1])])


def addcmul(base, a, b, value=1):
    return base + a * b * value


def stack(tensors, dim=0):
    tensors = list(tensors)
    values = [_value(t) for t in tensors]
    dt = tensors[0].dtype
    for t in tensors[1:]:
        dt = _promote(Tensor(np.zeros(0), dt), t)
    return _result(np.stack(values, dim), dt, tensors,
                   lambda g: [np.take(g, i, axis=dim) for i in range(len(tensors))])


def cat(tensors, dim=0):
    tensors = list(tensors)
    sizes = np.cumsum([t.shape[dim] for t in tensors])[:-1]
    return _result(np.concatenate([_value(t) for t in tensors], dim), tensors[0].dtype, tensors,
                   lambda g: np.split(g, sizes, axis=dim))


def einsum(equation, a, b):
    inputs, output = equation.replace(" ", "").split("->")
    left, right = inputs.split(",")
    va, vb = _value(a), _value(b)
    return _result(np.einsum(equation, va, vb), _promote(a, b), [a, b],
                   lambda g: [np.einsum(f"{output},{right}->{left}", g, vb), np.einsum(f"{output},{left}->{right}", g, va)])


def isfinite(x):
    return _constant(np.isfinite(_value(x)), bool_)


def isnan(x):
    return _constant(np.isnan(_value(x)), bool_)


def equal(a, b):
    return a.shape == b.shape and bool(np.array_equal(_value(a), _value(b)))


def allclose(a, b, rtol=1e-5, atol=1e-8):
    return bool(np.allclose(_value(a), _value(b), rtol=rtol, atol=atol))


# ---- nn: the recurrent modules with PyTorch's parameters, formulas and layouts (batch_first; layers, directions,
# LSTM projections and packed sequences as torch runs them)
class Parameter(Tensor):
    def __init__(self, values, dt):
        super().__init__(_store(values, dt), dt)
        self.requires_grad = True


class PackedSequence:
    """What pack_padded_sequence gives: here the padded batch and its lengths (the checks never look inside)."""

    def __init__(self, padded, lengths):
        self.padded, self.lengths = padded, lengths


def _pack_padded_sequence(x, lengths, batch_first=False, enforce_sorted=True):
    if not batch_first:
        raise NotImplementedError("rehearsal torch: batch_first only")
    lengths = [builtins.int(v) for v in (_value(lengths) if isinstance(lengths, Tensor) else lengths)]
    if enforce_sorted and lengths != sorted(lengths, reverse=True):
        raise RuntimeError("`lengths` array must be sorted in decreasing order when `enforce_sorted` is True.")
    return PackedSequence(x, lengths)


def _pad_packed_sequence(sequence, batch_first=False, total_length=None):
    if not batch_first:
        raise NotImplementedError("rehearsal torch: batch_first only")
    y = sequence.padded
    if total_length is not None and total_length != y.shape[1]:
        raise NotImplementedError("rehearsal torch: total_length other than the padded length")
    return y, tensor(sequence.lengths, dtype=int64)


class _Recurrent:
    gates = 1

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, bidirectional=False,
                 proj_size=0, **options):
        if not bias or not batch_first or options:
            raise NotImplementedError("rehearsal torch: with biases, batch_first, no other options")
        if proj_size and not isinstance(self, LSTM):
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        self.hidden_size, self.num_layers, self.proj_size = hidden_size, num_layers, proj_size
        self.directions = 2 if bidirectional else 1
        width = proj_size or hidden_size
        bound = 1 / math.sqrt(hidden_size)
        self._names = []
        for layer in range(num_layers):
            layer_input = input_size if layer == 0 else self.directions * width
            for suffix in ("", "_reverse")[:self.directions]:
                shapes = [("weight_ih", (self.gates * hidden_size, layer_input)), ("weight_hh", (self.gates * hidden_size, width)),
                          ("bias_ih", (self.gates * hidden_size,)), ("bias_hh", (self.gates * hidden_size,))]
                if proj_size:
                    shapes.append(("weight_hr", (proj_size, hidden_size)))
                for name, shape in shapes:
                    full_name = f"{name}_l{layer}{suffix}"
                    setattr(self, full_name, Parameter(_default.rng.uniform(-bound, bound, shape), float32))
                    self._names.append(full_name)

    def named_parameters(self):
        return [(n, getattr(self, n)) for n in self._names]

    def parameters(self):
        return [p for _, p in self.named_parameters()]

    def cuda(self, *_, **__):
        return self

    def train(self, mode=True):
        return self

    def eval(self):
        return self

    def to(self, dt=None, dtype=None, device=None, **_):
        dt = dtype or dt
        if isinstance(dt, globals()["dtype"]):
            for name, p in self.named_parameters():
                setattr(self, name, Parameter(_value(p), dt))
        return self

    def zero_grad(self):
        for p in self.parameters():
            p.grad = None

    def __call__(self, x, hx=None):
        packed = isinstance(x, PackedSequence)
        lengths = x.lengths if packed else None
        x = x.padded if packed else x
        batch, steps, _ = x.shape
        width, layers = self.proj_size or self.hidden_size, self.num_layers * self.directions
        lstm = isinstance(self, LSTM)
        if hx is None:
            hx = (zeros(layers, batch, width, dtype=x.dtype), zeros(layers, batch, self.hidden_size, dtype=x.dtype)) \
                if lstm else zeros(layers, batch, width, dtype=x.dtype)
        h0, c0 = hx if lstm else (hx, None)
        # step t of sequence b runs where t < its length; past it the state holds and y is 0 (PyTorch's packed semantics)
        valid = [None] * steps if lengths is None else \
            [tensor([[1.0 if t < n else 0.0] for n in lengths], dtype=x.dtype) == 1 for t in range(steps)]
        h_n, c_n, layer_input = [], [], x
        for layer in range(self.num_layers):
            outputs = []
            for direction, suffix in enumerate(("", "_reverse")[:self.directions]):
                k = layer * self.directions + direction
                h, c = h0[k], None if c0 is None else c0[k]
                ys = [None] * steps
                for t in (range(steps) if direction == 0 else range(steps - 1, -1, -1)):
                    xw = layer_input[:, t] @ getattr(self, f"weight_ih_l{layer}{suffix}").t() + getattr(self, f"bias_ih_l{layer}{suffix}")
                    hw = h @ getattr(self, f"weight_hh_l{layer}{suffix}").t() + getattr(self, f"bias_hh_l{layer}{suffix}")
                    new_h, new_c = self.cell(xw, hw, h, c)
                    if self.proj_size:
                        new_h = new_h @ getattr(self, f"weight_hr_l{layer}{suffix}").t()
                    if valid[t] is None:
                        h, c, ys[t] = new_h, new_c, new_h
                    else:
                        h = where(valid[t], new_h, h)
                        c = None if c is None else where(valid[t], new_c, c)
                        ys[t] = where(valid[t], new_h, 0.0)
                outputs.append(stack(ys, 1))
                h_n.append(h)
                c_n.append(c)
            layer_input = outputs[0] if self.directions == 1 else cat(outputs, 2)
        y = PackedSequence(layer_input, lengths) if packed else layer_input
        return y, ((stack(h_n, 0), stack(c_n, 0)) if lstm else stack(h_n, 0))


class LSTM(_Recurrent):
    gates = 4

    def cell(self, xw, hw, h, c):
        i, f, g, o = (xw + hw).chunk(4, 1)  # PyTorch's order: input, forget, cell, output
        c = sigmoid(f) * c + sigmoid(i) * tanh(g)
        return sigmoid(o) * tanh(c), c


class GRU(_Recurrent):
    gates = 3

    def cell(self, xw, hw, h, c):
        xr, xz, xn = xw.chunk(3, 1)  # PyTorch's order: reset, update, new; b_hn inside the reset product
        hr, hz, hn = hw.chunk(3, 1)
        r, z = sigmoid(xr + hr), sigmoid(xz + hz)
        n = tanh(xn + r * hn)
        return (1 - z) * n + z * h, None


class RNN(_Recurrent):
    gates = 1

    def cell(self, xw, hw, h, c):
        return tanh(xw + hw), None


nn = types.SimpleNamespace(LSTM=LSTM, GRU=GRU, RNN=RNN, Parameter=Parameter,
                           functional=types.SimpleNamespace(logsigmoid=_logsigmoid, sigmoid=sigmoid, tanh=tanh),
                           utils=types.SimpleNamespace(rnn=types.SimpleNamespace(
                               pack_padded_sequence=_pack_padded_sequence, pad_packed_sequence=_pad_packed_sequence,
                               PackedSequence=PackedSequence)))


# ---- cuda: the emulated device (an H100 SXM for the planner's catalog), host clocks for events
class _Event:
    def __init__(self, enable_timing=False):
        self.at = None

    def record(self, stream=None):
        self.at = time.perf_counter()

    def synchronize(self):
        pass

    def elapsed_time(self, end):
        return (end.at - self.at) * 1e3


class _Stream:
    cuda_stream = 0

    def synchronize(self):
        pass


cuda = types.SimpleNamespace(
    is_available=lambda: True, device_count=lambda: 1, current_device=lambda: 0, synchronize=lambda device=None: None,
    current_stream=lambda device=None: _Stream(), Event=_Event,
    get_device_name=lambda device=0: "NVIDIA H100 80GB HBM3 (rehearsal: the CPU emulator)",
    get_device_capability=lambda device=0: (9, 0),
    get_device_properties=lambda device=0: types.SimpleNamespace(
        name="NVIDIA H100 80GB HBM3", multi_processor_count=132, total_memory=80 * 1024 ** 3, major=9, minor=0))
backends = types.SimpleNamespace(
    cudnn=types.SimpleNamespace(allow_tf32=True, enabled=True, version=lambda: None),
    cuda=types.SimpleNamespace(matmul=types.SimpleNamespace(allow_tf32=False)))
