"""A stand-in for torch, on numpy, for rehearsing the GPU checks of tools/device on a machine with neither torch nor a
GPU (tools/device/rehearse.py puts this folder first on sys.path; the checks' kernels then run on the CPU emulator).

Not torch: only what the checks use, with torch's semantics where they depend on them, and as strict as torch where a
script could go wrong: the storage of each dtype (bf16 as its 16 bits, rounded to nearest even), views sharing memory
with element strides, devices (a CPU tensor and a "cuda" one in one operation raise, as do numpy() on a "cuda" tensor
and a generator of the other device), type promotion, in-place writes (version counters: a tensor saved for backward
and written after raises), reverse-mode autograd through the operations the float64 references and the recurrent
modules use (a graph is freed by its backward), and nn.LSTM / GRU / RNN with PyTorch's signatures, checks, gate order,
bias placement, layers, directions, LSTM projections and packed sequences. "cuda" tensors are host memory too (an
emulated context reads it as device memory); streams are 0 and events read the host clock.
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
        self.is_floating_point = rank >= 3

    def __repr__(self):
        return "torch." + self.name

    @property
    def itemsize(self):
        return self.storage.itemsize


# rank orders promotion: a category (bool < integer < floating) and a width within it
bool_ = dtype("bool", np.bool_, 0)
int32 = dtype("int32", np.int32, 1)
int64 = dtype("int64", np.int64, 2)
bfloat16 = dtype("bfloat16", np.uint16, 3)
float16 = dtype("float16", np.float16, 3)
float32 = dtype("float32", np.float32, 4)
float64 = dtype("float64", np.float64, 5)
float, double, half, int, long = float32, float64, float16, int32, int64  # noqa: A001 (torch's aliases)
_BY_NUMPY = {np.dtype(np.bool_): bool_, np.dtype(np.int32): int32, np.dtype(np.int64): int64,
             np.dtype(np.float16): float16, np.dtype(np.float32): float32, np.dtype(np.float64): float64}


class _Device:
    """torch.device: "cpu" or "cuda" (one GPU, index 0)."""

    def __init__(self, spec="cpu"):
        self.type = str(spec).split(":")[0]
        if self.type not in ("cpu", "cuda"):
            raise RuntimeError(f"Expected one of cpu, cuda device type at start of device string: {spec}")

    def __str__(self):
        return "cuda:0" if self.type == "cuda" else "cpu"

    def __repr__(self):
        return f"device(type='{self.type}')"

    def __eq__(self, other):
        return isinstance(other, _Device) and other.type == self.type

    __hash__ = object.__hash__


device = _Device


def _device_type(spec):
    return "cpu" if spec is None else _Device(spec).type


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


def _category(rank):
    return 0 if rank == 0 else 1 if rank <= 2 else 2


def _promote(a, b):
    """torch's result type of a binary operation: a Python scalar or a 0-dim tensor only lifts the category (bool <
    integer < floating, to the default float32 or int64), tensors of dim > 0 take the wider; bf16 with fp16 -> fp32."""
    def kind(x):  # (dtype, is a dimensioned tensor)
        if isinstance(x, Tensor):
            return x.dtype, x.dim() > 0
        if isinstance(x, (bool, np.bool_)):
            return bool_, False
        return (int64 if isinstance(x, (builtins.int, np.integer)) else float32), False
    (da, dim_a), (db, dim_b) = kind(a), kind(b)
    if dim_a != dim_b:
        tensor_dt, scalar_dt = (da, db) if dim_a else (db, da)
        if _category(scalar_dt.rank) > _category(tensor_dt.rank):
            return float32 if _category(scalar_dt.rank) == 2 else int64
        return tensor_dt
    if da.rank == db.rank and da is not db:
        return float32  # bf16 with fp16
    return da if da.rank >= db.rank else db


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


def _common_device(tensors):
    """The device of an operation's result; tensors of dim > 0 on two devices raise as torch does (a 0-dim CPU tensor
    may join a cuda operation)."""
    dimensioned = {t._device for t in tensors if isinstance(t, Tensor) and t.dim() > 0}
    if len(dimensioned) > 1:
        raise RuntimeError("Expected all tensors to be on the same device, but found at least two devices, cuda:0 and cpu!")
    if dimensioned:
        return dimensioned.pop()
    devices = {t._device for t in tensors if isinstance(t, Tensor)}
    return "cuda" if "cuda" in devices else "cpu"


def _result(values, dt, parents, backward, saved=(), saves_output=False):
    """A new tensor from an operation; it records backward (grad -> one grad per parent) when a parent needs grad, and
    the versions of the tensors backward reads (`saved`, and the result itself with `saves_output`)."""
    out = Tensor(_store(values, dt), dt, _common_device(parents))
    if _grad_enabled[0] and any(isinstance(p, Tensor) and p.requires_grad for p in parents):
        out.requires_grad = True
        keep = [t for t in saved if isinstance(t, Tensor)] + ([out] if saves_output else [])
        out._backward = (parents, backward, [(t, t._version[0]) for t in keep])
    return out


class Size(tuple):
    def numel(self):
        return math.prod(self)


class Tensor:
    def __init__(self, array, dt, device="cpu", version=None):
        self._a, self.dtype, self._device = array, dt, device
        self._version = version if version is not None else [0]  # shared by the views of one storage
        self.requires_grad, self.grad, self._backward, self._freed = False, None, None, False

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
        return _Device(self._device)

    @property
    def is_cuda(self):
        return self._device == "cuda"

    @property
    def is_leaf(self):
        return self._backward is None

    def __len__(self):
        return self._a.shape[0]

    def __repr__(self):
        return f"tensor({_value(self)!r}, device='{self.device}', dtype={self.dtype})"

    def item(self):
        if self.numel() != 1:
            raise RuntimeError(f"a Tensor with {self.numel()} elements cannot be converted to Scalar")
        return _value(self).item()

    def __bool__(self):
        if self.numel() != 1:
            raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
        return builtins.bool(_value(self))

    def __float__(self):
        return builtins.float(self.item())

    def __int__(self):
        return builtins.int(self.item())

    def __index__(self):
        if self.dtype.is_floating_point:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return builtins.int(self.item())

    def tolist(self):
        return _value(self).tolist()

    def numpy(self):
        if self._device != "cpu":
            raise TypeError("can't convert cuda:0 device type tensor to numpy. Use Tensor.cpu() to copy the tensor to host "
                            "memory first.")
        if self.requires_grad:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.")
        if self.dtype is bfloat16:
            raise TypeError("Got unsupported ScalarType BFloat16")
        return self._a

    def __array__(self, dtype=None, copy=None):
        return np.asarray(self.numpy(), dtype=dtype)

    # ---- conversions and copies
    def to(self, *args, dtype=None, device=None, **_):
        for arg in args:
            if isinstance(arg, globals()["dtype"]):
                dtype = arg
            elif isinstance(arg, Tensor):
                dtype, device = arg.dtype, arg._device
            else:
                device = arg
        target_dt = dtype or self.dtype
        target_device = self._device if device is None else _device_type(device)
        if target_dt is self.dtype and target_device == self._device:
            return self
        source_dt = _value(self).dtype
        out = _result(_value(self), target_dt, [self], lambda g: [g.astype(source_dt)])
        out._device = target_device  # a copy onto the other device: new memory, the gradient flows back
        return out

    def double(self):
        return self.to(float64)

    def float(self):
        return self.to(float32)

    def half(self):
        return self.to(float16)

    def bfloat16(self):
        return self.to(bfloat16)

    def cuda(self, *_, **__):
        return self.to(device="cuda")

    def cpu(self):
        return self.to(device="cpu")

    def contiguous(self):
        if self.is_contiguous():
            return self
        return _result(np.ascontiguousarray(_value(self)), self.dtype, [self], lambda g: [g])

    def clone(self):
        return _result(np.array(_value(self), order="C"), self.dtype, [self], lambda g: [g])

    def detach(self):
        return Tensor(self._a, self.dtype, self._device, self._version)  # shares memory (and its version), as torch's

    def requires_grad_(self, requires=True):
        if not self.is_leaf:
            if not requires:
                raise RuntimeError("you can only change requires_grad flags of leaf variables.")
            return self
        if requires and not self.dtype.is_floating_point:
            raise RuntimeError("only Tensors of floating point dtype can require gradients")
        self.requires_grad = requires
        return self

    def _write_into(self, index, values):
        """An in-place write of (a broadcast of) values into self[index]: a leaf that requires grad refuses it while
        grad mode is on, a value that requires grad would need autograd through the write (not rehearsed), and the
        version every view of this storage shares goes up (so backward refuses a saved tensor written since)."""
        if self.requires_grad and _grad_enabled[0]:
            if self.is_leaf:
                raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")
            raise NotImplementedError("rehearsal torch: in-place writes into a tensor that is part of a graph")
        if isinstance(values, Tensor) and values.requires_grad and _grad_enabled[0]:
            raise NotImplementedError("rehearsal torch: assigning a tensor that requires grad")
        target_shape = np.shape(self._a[index])
        self._a[index] = _store(np.broadcast_to(_value(values), target_shape), self.dtype)
        self._version[0] += 1
        return self

    def copy_(self, other):
        return self._write_into(Ellipsis, other)

    def zero_(self):
        return self._write_into(Ellipsis, 0)

    def fill_(self, value):
        return self._write_into(Ellipsis, value)

    def uniform_(self, low=0.0, high=1.0, generator=None):
        return self._write_into(Ellipsis, _rng(generator, self._device).uniform(low, high, self._a.shape))

    def normal_(self, mean=0.0, std=1.0, generator=None):
        return self._write_into(Ellipsis, _rng(generator, self._device).normal(mean, std, self._a.shape))

    def __setitem__(self, index, value):
        if isinstance(index, Tensor):
            raise NotImplementedError("rehearsal torch: indexing by a tensor")
        self._write_into(index, value)

    # ---- views
    def _view(self, array, backward):
        """A tensor over (part of) this one's memory, or a copy where numpy could not make a view (then its own
        version, as torch's reshape gives)."""
        shares = np.may_share_memory(array, self._a)
        out = Tensor(array, self.dtype, self._device, self._version if shares else None)
        if _grad_enabled[0] and self.requires_grad:
            out.requires_grad, out._backward = True, ([self], backward, [])
        return out

    def __getitem__(self, index):
        if isinstance(index, Tensor):
            raise NotImplementedError("rehearsal torch: indexing by a tensor")
        shape = self._a.shape
        array = self._a[index]
        if not isinstance(array, np.ndarray):  # every index an integer: a 0-dim view, as torch's
            array = self._a[index + (Ellipsis,) if isinstance(index, tuple) else (index, Ellipsis)]

        def backward(g):
            full = np.zeros(shape, dtype=g.dtype)
            full[index] = g
            return [full]
        return self._view(array, backward)

    def reshape(self, *shape):
        shape = shape[0] if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape
        original = self._a.shape
        return self._view(self._a.reshape(shape), lambda g: [g.reshape(original)])

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
        if self.dim() > 2:
            raise RuntimeError("t() expects a tensor with <= 2 dimensions")
        return self.transpose(0, 1) if self.dim() == 2 else self

    def unsqueeze(self, dim):
        dim = dim if dim >= 0 else self.dim() + dim + 1
        return self.reshape(self._a.shape[:dim] + (1,) + self._a.shape[dim:])

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
    def _binary(self, other, op, grads, saves=True, dt=None):
        a, b = _value(self), _value(other)
        dt = dt or _promote(self, other)
        shapes = (np.shape(a), np.shape(b))
        return _result(op(a, b), dt, [self, other],
                       lambda g: [_unbroadcast(ga, s) if ga is not None else None
                                  for ga, s in zip(grads(g, a, b), shapes)],
                       saved=(self, other) if saves else ())

    def __add__(self, other):
        return self._binary(other, np.add, lambda g, a, b: (g, g), saves=False)

    def __radd__(self, other):
        return self.__add__(other)

    def __sub__(self, other):
        return self._binary(other, np.subtract, lambda g, a, b: (g, -g), saves=False)

    def __rsub__(self, other):
        return (-self).__add__(other)

    def __mul__(self, other):
        return self._binary(other, np.multiply, lambda g, a, b: (g * b, g * a))

    def __rmul__(self, other):
        return self.__mul__(other)

    def __truediv__(self, other):
        dt = _promote(self, other)
        return self._binary(other, np.divide, lambda g, a, b: (g / b, -g * a / (b * b)),
                            dt=dt if dt.is_floating_point else float32)  # true division of integers

    def __rtruediv__(self, other):
        return full_like(self, other, dtype=_promote(self, other)) / self

    def __neg__(self):
        return _result(-_value(self), self.dtype, [self], lambda g: [-g])

    def __pow__(self, exponent):
        a = _value(self)
        return _result(a ** exponent, self.dtype, [self], lambda g: [g * exponent * a ** (exponent - 1)], saved=(self,))

    def __matmul__(self, other):
        a, b = _value(self), _value(other)
        if self.dim() == 0 or other.dim() == 0:
            raise RuntimeError("both arguments to matmul need to be at least 1D")
        return _result(a @ b, _promote(self, other), [self, other],
                       lambda g: [g @ np.swapaxes(b, -1, -2), np.swapaxes(a, -1, -2) @ g], saved=(self, other))

    def mul(self, other):
        return self * other

    def add(self, other):
        return self + other

    def sum(self, dim=None, keepdim=False):
        a = _value(self)
        shape = a.shape
        dt = self.dtype if self.dtype.is_floating_point else int64  # torch sums bool and integers into int64
        if dim is None:
            return _result(a.sum(), dt, [self], lambda g: [np.broadcast_to(g, shape).copy()])
        return _result(a.sum(dim, keepdims=keepdim), dt, [self],
                       lambda g: [np.broadcast_to(g if keepdim else np.expand_dims(g, dim), shape).copy()])

    def mean(self):
        return self.sum() / self.numel()

    def abs(self):
        a = _value(self)
        return _result(np.abs(a), self.dtype, [self], lambda g: [g * np.sign(a)], saved=(self,))

    def max(self):
        return _constant(np.max(_value(self)), self.dtype, self._device)

    def norm(self):
        return _constant(np.sqrt(np.sum(np.square(_value(self).astype(np.float64)))), self.dtype, self._device)

    def clamp_min(self, low):
        return _constant(np.maximum(_value(self), low), self.dtype, self._device)

    def all(self):
        return _constant(np.all(_value(self)), bool_, self._device)

    def any(self):
        return _constant(np.any(_value(self)), bool_, self._device)

    def _compare(self, other, op):
        return _constant(op(_value(self), _value(other)), bool_, _common_device([self, other]))

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
        if not self.requires_grad:
            raise RuntimeError("element 0 of tensors does not require grad and does not have a grad_fn")
        for leaf, g in _backpropagate(self, _root_gradient(self, gradient)):
            if leaf.is_leaf and leaf.requires_grad:
                g = Tensor(_store(g, leaf.dtype), leaf.dtype, leaf._device)
                leaf.grad = g if leaf.grad is None else \
                    Tensor(_store(_value(leaf.grad) + _value(g), leaf.dtype), leaf.dtype, leaf._device)


def _root_gradient(output, gradient):
    """The gradient backward starts from: ones for a scalar output, else the given one, of the output's shape and
    device exactly (torch does not broadcast it)."""
    if gradient is None:
        if output.numel() != 1:
            raise RuntimeError("grad can be implicitly created only for scalar outputs")
        return np.ones(output._a.shape)
    if isinstance(gradient, Tensor):
        if gradient.shape != output.shape:
            raise RuntimeError(f"Mismatch in shape: grad_output[0] has a shape of {list(gradient.shape)} and output[0] has "
                               f"a shape of {list(output.shape)}.")
        if gradient._device != output._device:
            raise RuntimeError(f"invalid gradient at index 0 - expected device {output.device} but got {gradient.device}")
    return _value(gradient)


def _constant(values, dt, device):
    """A result that takes no gradient (comparisons, norms: the checks never differentiate through them)."""
    return Tensor(_store(values, dt), dt, device)


def _backpropagate(root, gradient):
    """Reverse mode from root: (tensor, accumulated gradient (numpy)) for every tensor on the way. Refuses a graph a
    backward already went through (torch frees it: retain_graph is not rehearsed) and a saved tensor written since."""
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
            if node._freed:
                raise RuntimeError("Trying to backward through the graph a second time (or directly access saved tensors "
                                   "after they have already been freed).")
            stack.extend((p, False) for p in node._backward[0] if isinstance(p, Tensor) and p.requires_grad)
    grads = {id(root): np.asarray(gradient, dtype=np.float64)}
    by_id = {id(n): n for n in order}
    for node in reversed(order):
        g = grads.get(id(node))
        if g is None or node._backward is None:
            continue
        parents, backward, saved = node._backward
        for tensor_, version_ in saved:
            if tensor_._version[0] != version_:
                raise RuntimeError("one of the variables needed for gradient computation has been modified by an "
                                   "inplace operation")
        for parent, pg in zip(parents, backward(g)):
            if isinstance(parent, Tensor) and parent.requires_grad and pg is not None:
                grads[id(parent)] = grads[id(parent)] + pg if id(parent) in grads else np.asarray(pg)
    for node in order:
        if node._backward is not None:
            node._freed = True
    return [(by_id[i], g) for i, g in grads.items()]


class _Autograd:
    @staticmethod
    def grad(outputs, inputs, grad_outputs=None):
        if not outputs.requires_grad:
            raise RuntimeError("element 0 of tensors does not require grad and does not have a grad_fn")
        found = {id(t): g for t, g in _backpropagate(outputs, _root_gradient(outputs, grad_outputs))}
        result = []
        for t in inputs:
            if id(t) not in found:
                raise RuntimeError("One of the differentiated Tensors appears to not have been used in the graph.")
            result.append(Tensor(_store(found[id(t)], t.dtype), t.dtype, t._device))
        return tuple(result)


autograd = _Autograd()


# ---- random numbers
class Generator:
    def __init__(self, device="cpu"):
        self.device = _Device(device)
        self.rng = np.random.default_rng(0)

    def manual_seed(self, seed):
        self.rng = np.random.default_rng(seed)
        return self


_default = Generator()


def manual_seed(seed):
    _default.manual_seed(seed)
    return _default


def _rng(generator, device_type):
    if generator is None:
        return _default.rng
    if generator.device.type != device_type:
        raise RuntimeError(f"Expected a '{device_type}' device type for generator but found '{generator.device.type}'")
    return generator.rng


def _shape(size):
    return tuple(size[0]) if len(size) == 1 and isinstance(size[0], (tuple, list)) else tuple(size)


def _made(values, dt, device, requires_grad=False):
    out = Tensor(_store(values, dt), dt, _device_type(device))
    return out.requires_grad_(requires_grad) if requires_grad else out


def randn(*size, generator=None, dtype=None, device=None, requires_grad=False):
    return _made(_rng(generator, _device_type(device)).standard_normal(_shape(size)), dtype or float32, device, requires_grad)


def rand(*size, generator=None, dtype=None, device=None, requires_grad=False):
    return _made(_rng(generator, _device_type(device)).random(_shape(size)), dtype or float32, device, requires_grad)


def randn_like(t, dtype=None, device=None, **_):
    return randn(t.shape, dtype=dtype or t.dtype, device=device or t._device)


def full(size, value, dtype=None, device=None, requires_grad=False):
    default = float32 if isinstance(value, builtins.float) else bool_ if isinstance(value, builtins.bool) else int64
    return _made(np.full(tuple(size), value), dtype or default, device, requires_grad)


def empty(*size, dtype=None, device=None, requires_grad=False):
    dt = dtype or float32
    return _made(np.full(_shape(size), np.nan if dt.is_floating_point else 0), dt, device, requires_grad)  # poisoned


def zeros(*size, dtype=None, device=None, requires_grad=False):
    return _made(np.zeros(_shape(size)), dtype or float32, device, requires_grad)


def ones(*size, dtype=None, device=None, requires_grad=False):
    return _made(np.ones(_shape(size)), dtype or float32, device, requires_grad)


def full_like(t, value, dtype=None, device=None, **_):
    return full(t.shape, value, dtype=dtype or t.dtype, device=device or t._device)


def empty_like(t, dtype=None, device=None, **_):
    return empty(t.shape, dtype=dtype or t.dtype, device=device or t._device)


def zeros_like(t, dtype=None, device=None, **_):
    return zeros(t.shape, dtype=dtype or t.dtype, device=device or t._device)


def eye(n, dtype=None, device=None):
    return _made(np.eye(n), dtype or float32, device)


def tensor(data, dtype=None, device=None, requires_grad=False):
    if isinstance(data, Tensor):
        raise NotImplementedError("rehearsal torch: torch.tensor of a tensor (use clone().detach())")
    values = np.asarray(data)
    if dtype is None:  # numpy arrays keep their type; Python floats are float32, ints int64
        dtype = _BY_NUMPY[values.dtype] if isinstance(data, np.ndarray) else \
            float32 if values.dtype.kind == "f" else bool_ if values.dtype.kind == "b" else int64
    return _made(values, dtype, device, requires_grad)


def from_numpy(array):
    return Tensor(array, _BY_NUMPY[array.dtype])  # shares memory, on the CPU


# ---- functions
def _unary(x, forward, derivative, saves_input=False):
    a = _value(x)
    y = forward(a)
    return _result(y, x.dtype, [x], lambda g: [g * derivative(a, y)], saved=(x,) if saves_input else (),
                   saves_output=not saves_input)


def sigmoid(x):
    return _unary(x, lambda a: 1 / (1 + np.exp(-a)), lambda a, y: y * (1 - y))


def tanh(x):
    return _unary(x, np.tanh, lambda a, y: 1 - y * y)


def exp(x):
    return _unary(x, np.exp, lambda a, y: y)


def log(x):
    return _unary(x, np.log, lambda a, y: 1 / a, saves_input=True)


def _logsigmoid(x):
    return _unary(x, lambda a: np.minimum(a, 0) - np.log1p(np.exp(-np.abs(a))), lambda a, y: 1 / (1 + np.exp(a)),
                  saves_input=True)


def where(condition, a, b):
    c, va, vb = _value(condition).astype(bool), _value(a), _value(b)
    shapes = (np.shape(va), np.shape(vb))
    _common_device([condition, a, b])
    return _result(np.where(c, va, vb), _promote(a, b), [a, b],
                   lambda g: [_unbroadcast(np.where(c, g, 0), shapes[0]), _unbroadcast(np.where(c, 0, g), shapes[1])],
                   saved=(condition,))


def maximum(a, b):
    va, vb = _value(a), _value(b)
    shapes = (np.shape(va), np.shape(vb))
    # torch's split of the gradient: all to the larger, half each where equal
    return _result(np.maximum(va, vb), _promote(a, b), [a, b],
                   lambda g: [_unbroadcast(g * ((va > vb) + 0.5 * (va == vb)), shapes[0]),
                              _unbroadcast(g * ((vb > va) + 0.5 * (va == vb)), shapes[1])], saved=(a, b))


def addcmul(base, a, b, value=1):
    return base + a * b * value


def stack(tensors, dim=0):
    tensors = list(tensors)
    if len({t.shape for t in tensors}) != 1:
        raise RuntimeError("stack expects each tensor to be equal size")
    dt = tensors[0].dtype
    for t in tensors[1:]:
        dt = _promote(Tensor(np.zeros(1), dt), t)
    return _result(np.stack([_value(t) for t in tensors], dim), dt, tensors,
                   lambda g: [np.take(g, i, axis=dim) for i in range(len(tensors))])


def cat(tensors, dim=0):
    tensors = list(tensors)
    dt = tensors[0].dtype
    for t in tensors[1:]:
        dt = _promote(Tensor(np.zeros(1), dt), t)
    sizes = np.cumsum([t.shape[dim] for t in tensors])[:-1]
    return _result(np.concatenate([_value(t) for t in tensors], dim), dt, tensors, lambda g: np.split(g, sizes, axis=dim))


def einsum(equation, a, b):
    inputs, output = equation.replace(" ", "").split("->")
    left, right = inputs.split(",")
    va, vb = _value(a), _value(b)
    return _result(np.einsum(equation, va, vb), _promote(a, b), [a, b],
                   lambda g: [np.einsum(f"{output},{right}->{left}", g, vb), np.einsum(f"{output},{left}->{right}", g, va)],
                   saved=(a, b))


def isfinite(x):
    return _constant(np.isfinite(_value(x)), bool_, x._device)


def isnan(x):
    return _constant(np.isnan(_value(x)), bool_, x._device)


def equal(a, b):
    if a._device != b._device:
        raise RuntimeError("Expected all tensors to be on the same device, but found at least two devices, cuda:0 and cpu!")
    return a.shape == b.shape and builtins.bool(np.array_equal(_value(a), _value(b)))


def allclose(a, b, rtol=1e-5, atol=1e-8):
    _common_device([a, b])
    return builtins.bool(np.allclose(_value(a), _value(b), rtol=rtol, atol=atol))


# ---- nn: the recurrent modules with PyTorch's signatures, parameters, formulas and layouts (batch_first; layers,
# directions, LSTM projections and packed sequences as torch runs them)
class Parameter(Tensor):
    def __init__(self, values, dt, device="cpu"):
        super().__init__(_store(values, dt), dt, device)
        self.requires_grad = True


class PackedSequence:
    """What pack_padded_sequence gives: here the padded batch and its lengths (the checks never look inside)."""

    def __init__(self, padded, lengths):
        self.padded, self.lengths = padded, lengths


def _pack_padded_sequence(input, lengths, batch_first=False, enforce_sorted=True):  # noqa: A002 (torch's name)
    if not batch_first:
        raise NotImplementedError("rehearsal torch: batch_first only")
    if isinstance(lengths, Tensor):
        if lengths._device != "cpu" or lengths.dtype is not int64 or lengths.dim() != 1:
            raise RuntimeError(f"'lengths' argument should be a 1D CPU int64 tensor, but got {lengths.dim()}D "
                               f"{lengths.device} {lengths.dtype} tensor")
        lengths = lengths.tolist()
    lengths = [builtins.int(v) for v in lengths]
    if len(lengths) != input.shape[0]:
        raise RuntimeError(f"Expected `len(lengths)` to be equal to batch_size, but got {len(lengths)} (batch_size="
                           f"{input.shape[0]})")
    if min(lengths) <= 0 or max(lengths) > input.shape[1]:
        raise RuntimeError("Length of all samples has to be greater than 0 and at most the padded length")
    if enforce_sorted and lengths != sorted(lengths, reverse=True):
        raise RuntimeError("`lengths` array must be sorted in decreasing order when `enforce_sorted` is True.")
    return PackedSequence(input, lengths)


def _pad_packed_sequence(sequence, batch_first=False, padding_value=0.0, total_length=None):
    if not batch_first or padding_value != 0.0:
        raise NotImplementedError("rehearsal torch: batch_first, zero padding")
    y = sequence.padded
    longest = max(sequence.lengths)
    if total_length is not None and total_length < longest:
        raise ValueError("Expected total_length to be at least the length of the longest sequence")
    y = y[:, :longest] if total_length is None else y  # the padded input is total_length long in the checks
    if total_length is not None and total_length != y.shape[1]:
        raise NotImplementedError("rehearsal torch: total_length other than the padded input's length")
    return y, tensor(sequence.lengths, dtype=int64)


class _Recurrent:
    gates = 1

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                 bidirectional=False, proj_size=0, device=None, dtype=None):
        if not bias or not batch_first or dropout:
            raise NotImplementedError("rehearsal torch: with biases, batch_first, no dropout")
        if proj_size < 0 or (proj_size and proj_size >= hidden_size):
            raise ValueError("proj_size has to be a positive integer, smaller than hidden_size")
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
                    setattr(self, full_name, Parameter(_default.rng.uniform(-bound, bound, shape), dtype or float32,
                                                       _device_type(device)))
                    self._names.append(full_name)

    def named_parameters(self):
        return [(n, getattr(self, n)) for n in self._names]

    def parameters(self):
        return [p for _, p in self.named_parameters()]

    def cuda(self, *_, **__):
        return self.to(device="cuda")

    def train(self, mode=True):
        return self

    def eval(self):
        return self

    def to(self, *args, dtype=None, device=None, **_):
        for arg in args:
            if isinstance(arg, globals()["dtype"]):
                dtype = arg
            else:
                device = arg
        for name, p in self.named_parameters():
            target_dt = dtype if dtype is not None and p.dtype.is_floating_point else p.dtype
            target_device = p._device if device is None else _device_type(device)
            setattr(self, name, Parameter(_value(p), target_dt, target_device))
        return self

    def zero_grad(self):
        for p in self.parameters():
            p.grad = None

    def _check(self, x, hx, batch):
        weight = self.weight_ih_l0
        if x._device != weight._device:
            raise RuntimeError("Input and parameter tensors are not at the same device, found input tensor at "
                               f"{x.device} and parameter tensor at {weight.device}")
        if x.dtype is not weight.dtype:
            raise ValueError(f"input must have the type {weight.dtype}, got type {x.dtype}")
        if x.dim() != 3 or x.shape[2] != weight.shape[1]:
            raise RuntimeError(f"input.size(-1) must be equal to input_size. Expected {weight.shape[1]}, got {x.shape[-1]}")
        layers = self.num_layers * self.directions
        expected = [(layers, batch, self.proj_size or self.hidden_size)] + \
            ([(layers, batch, self.hidden_size)] if isinstance(self, LSTM) else [])
        given = list(hx) if isinstance(hx, tuple) else [hx]
        if len(given) != len(expected):
            raise RuntimeError(f"{type(self).__name__}: expected {len(expected)} hidden states, got {len(given)}")
        for h, shape in zip(given, expected):
            if tuple(h.shape) != shape:
                raise RuntimeError(f"Expected hidden size {shape}, got {list(h.shape)}")
            if h.dtype is not x.dtype or h._device != x._device:
                raise RuntimeError(f"Expected hidden and input to have the same dtype and device: {h.dtype} {h.device}, "
                                   f"input {x.dtype} {x.device}")

    def __call__(self, x, hx=None):
        packed = isinstance(x, PackedSequence)
        lengths = x.lengths if packed else None
        x = x.padded if packed else x
        batch, steps = x.shape[0], x.shape[1]
        width, layers = self.proj_size or self.hidden_size, self.num_layers * self.directions
        lstm = isinstance(self, LSTM)
        if hx is None:
            hx = (zeros(layers, batch, width, dtype=x.dtype, device=x._device),
                  zeros(layers, batch, self.hidden_size, dtype=x.dtype, device=x._device)) \
                if lstm else zeros(layers, batch, width, dtype=x.dtype, device=x._device)
        self._check(x, hx, batch)
        h0, c0 = hx if lstm else (hx, None)
        # step t of sequence b runs where t < its length; past it the state holds and y is 0 (PyTorch's packed semantics)
        valid = [None] * steps if lengths is None else \
            [tensor([[t < n] for n in lengths], device=x._device) for t in range(steps)]
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

    def __init__(self, input_size, hidden_size, num_layers=1, nonlinearity="tanh", bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, device=None, dtype=None):
        if nonlinearity != "tanh":
            raise NotImplementedError("rehearsal torch: nn.RNN with tanh")
        super().__init__(input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional, 0, device, dtype)

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
        if self.at is None or end.at is None:
            raise RuntimeError("Both events must be recorded before calculating elapsed time.")
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
