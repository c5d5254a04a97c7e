"""Tensor printing: repr/str byte-identical to PyTorch's, and torch's print options.

A port of PyTorch's ``torch/_tensor_str.py`` (BSD-3-Clause, Copyright (c) Facebook, Inc. and
its affiliates / the PyTorch contributors) operating on NumPy arrays instead of torch tensors.
Floating values are formatted as Python floats (doubles), exactly as torch formats
``tensor.item()``/``tolist()`` values, so float16/bfloat16 print their low-precision values.
"""
import contextlib
import dataclasses
import math

import numpy as np

from ._ops import registry as _reg

__all__ = ["set_printoptions", "get_printoptions", "printoptions", "tensor_repr", "tensor_str",
           "size_repr", "PRINT_OPTS"]


@dataclasses.dataclass
class _PrinterOptions:
    precision: int = 4
    threshold: float = 1000
    edgeitems: int = 3
    linewidth: int = 80
    sci_mode: bool | None = None


PRINT_OPTS = _PrinterOptions()


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None,
                     profile=None, sci_mode=None):
    """Set options for printing tensors (same arguments and semantics as torch's)."""
    if profile is not None:
        if profile == "default":
            PRINT_OPTS.precision, PRINT_OPTS.threshold = 4, 1000
            PRINT_OPTS.edgeitems, PRINT_OPTS.linewidth = 3, 80
        elif profile == "short":
            PRINT_OPTS.precision, PRINT_OPTS.threshold = 2, 1000
            PRINT_OPTS.edgeitems, PRINT_OPTS.linewidth = 2, 80
        elif profile == "full":
            PRINT_OPTS.precision, PRINT_OPTS.threshold = 4, math.inf
            PRINT_OPTS.edgeitems, PRINT_OPTS.linewidth = 3, 80
    if precision is not None:
        PRINT_OPTS.precision = precision
    if threshold is not None:
        PRINT_OPTS.threshold = threshold
    if edgeitems is not None:
        PRINT_OPTS.edgeitems = edgeitems
    if linewidth is not None:
        PRINT_OPTS.linewidth = linewidth
    # NOTE: like torch, sci_mode is always overwritten (None when not given).
    PRINT_OPTS.sci_mode = sci_mode


def get_printoptions():
    """Return the current print options as a dict usable as set_printoptions(**kwargs)."""
    return dataclasses.asdict(PRINT_OPTS)


@contextlib.contextmanager
def printoptions(**kwargs):
    """Context manager that temporarily changes the print options."""
    old = get_printoptions()
    set_printoptions(**kwargs)
    try:
        yield
    finally:
        set_printoptions(**old)


def size_repr(shape):
    """repr of a torch.Size, e.g. 'torch.Size([2, 3])'."""
    return "torch.Size([" + ", ".join(str(int(d)) for d in shape) + "])"


# ---- element formatting ----------------------------------------------------------------

def _fmt_width_candidates(nz):
    # NOTE: torch formats every nonzero finite value to find the widest string. Correctly
    # rounded formatting is monotone in |v|, so per sign the widest string ('{:.pf}', '{:.0f}'
    # and, because of 3-digit exponents, '{:.pe}') comes from the smallest or largest |v|.
    out = []
    for part in (nz[nz > 0], nz[nz < 0]):
        if part.size:
            out += [float(part.min()), float(part.max())]
    return out


class _Formatter:
    """torch's _Formatter over a NumPy array (float64/complex parts, ints or bools)."""

    def __init__(self, arr, floating):
        self.floating_dtype = floating
        self.int_mode = True
        self.sci_mode = False
        self.max_width = 1
        flat = arr.reshape(-1)
        if not floating:
            if flat.size:
                vals = np.unique(flat).tolist() if flat.dtype == np.bool_ else [
                    flat.min().item(), flat.max().item()]
                self.max_width = max([1] + [len(f"{v}") for v in vals])
            return
        nz = flat[np.isfinite(flat) & (flat != 0)]
        if nz.size == 0:
            return
        nz_abs = np.abs(nz)
        nz_min, nz_max = float(nz_abs.min()), float(nz_abs.max())
        self.int_mode = bool(np.all(nz == np.ceil(nz)))
        if PRINT_OPTS.sci_mode is None:
            self.sci_mode = nz_max / nz_min > 1000.0 or nz_max > 1.0e8 or nz_min < 1.0e-4
        else:
            self.sci_mode = PRINT_OPTS.sci_mode
        p = PRINT_OPTS.precision
        cands = _fmt_width_candidates(nz)
        if self.sci_mode:
            widths = [len(f"{{:.{p}e}}".format(v)) for v in cands]
        elif self.int_mode:
            widths = [len(f"{v:.0f}") + 1 for v in cands]
        else:
            widths = [len(f"{{:.{p}f}}".format(v)) for v in cands]
        self.max_width = max([self.max_width] + widths)

    def width(self):
        return self.max_width

    def format(self, value):
        if self.floating_dtype:
            if self.sci_mode:
                ret = f"{{:{self.max_width}.{PRINT_OPTS.precision}e}}".format(value)
            elif self.int_mode:
                ret = f"{value:.0f}"
                if not (math.isinf(value) or math.isnan(value)):
                    ret += "."
            else:
                ret = f"{{:.{PRINT_OPTS.precision}f}}".format(value)
        else:
            ret = f"{value}"
        return (self.max_width - len(ret)) * " " + ret


def _complex_str(val, formatter1, formatter2):
    real_str = formatter1.format(val.real)
    imag_str = (formatter2.format(val.imag) + "j").lstrip()
    # handles negative numbers, +0.0, -0.0
    if imag_str[0] == "+" or imag_str[0] == "-":
        return real_str + imag_str
    return real_str + "+" + imag_str


def _scalar_str(arr, formatter1, formatter2=None):
    if formatter2 is not None:
        return _complex_str(arr.item(), formatter1, formatter2)
    return formatter1.format(arr.item())


def _vector_str(arr, indent, summarize, formatter1, formatter2=None):
    # length includes spaces and comma between elements
    element_length = formatter1.width() + 2
    if formatter2 is not None:
        # width for imag_formatter + an extra j for complex
        element_length += formatter2.width() + 1
    elements_per_line = max(1, math.floor((PRINT_OPTS.linewidth - indent) / element_length))

    if formatter2 is not None:
        def fmt(val):
            return _complex_str(val, formatter1, formatter2)
    else:
        fmt = formatter1.format

    e = PRINT_OPTS.edgeitems
    if summarize and not e:
        data = ["..."]
    elif summarize and arr.shape[0] > 2 * e:
        data = ([fmt(v) for v in arr[:e].tolist()] + [" ..."]
                + [fmt(v) for v in arr[-e:].tolist()])
    else:
        data = [fmt(v) for v in arr.tolist()]
    lines = [", ".join(data[i:i + elements_per_line])
             for i in range(0, len(data), elements_per_line)]
    return "[" + ("," + "\n" + " " * (indent + 1)).join(lines) + "]"


def _tensor_str_with_formatter(arr, indent, summarize, formatter1, formatter2=None):
    dim = arr.ndim
    if dim == 0:
        return _scalar_str(arr, formatter1, formatter2)
    if dim == 1:
        return _vector_str(arr, indent, summarize, formatter1, formatter2)
    e = PRINT_OPTS.edgeitems
    n = arr.shape[0]

    def sub(i):
        return _tensor_str_with_formatter(arr[i], indent + 1, summarize, formatter1, formatter2)

    if summarize and n > 2 * e:
        slices = [sub(i) for i in range(e)] + ["..."] + [sub(i) for i in range(n - e, n)]
    else:
        slices = [sub(i) for i in range(n)]
    return "[" + ("," + "\n" * (dim - 1) + " " * (indent + 1)).join(slices) + "]"


def _summarized_data(arr):
    dim = arr.ndim
    e = PRINT_OPTS.edgeitems
    if dim == 0:
        return arr
    if dim == 1:
        # NOTE: with edgeitems == 0, arr[-0:] is the whole vector (as in torch).
        return np.concatenate((arr[:e], arr[-e:])) if arr.shape[0] > 2 * e else arr
    if not e:
        return np.empty([0] * dim, dtype=arr.dtype)
    n = arr.shape[0]
    rows = list(range(e)) + list(range(n - e, n)) if n > 2 * e else range(n)
    return np.stack([_summarized_data(arr[i]) for i in rows])


def _array_str(arr, indent):
    """torch's _tensor_str for a host array (float64 / complex128 / int / bool)."""
    if arr.size == 0:
        return "[]"
    summarize = arr.size > PRINT_OPTS.threshold
    if np.iscomplexobj(arr):
        real, imag = arr.real, arr.imag
        rf = _Formatter(_summarized_data(real) if summarize else real, True)
        imf = _Formatter(_summarized_data(imag) if summarize else imag, True)
        return _tensor_str_with_formatter(arr, indent, summarize, rf, imf)
    floating = arr.dtype.kind == "f"
    formatter = _Formatter(_summarized_data(arr) if summarize else arr, floating)
    return _tensor_str_with_formatter(arr, indent, summarize, formatter)


def _add_suffixes(tensor_str, suffixes, indent, force_newline):
    tensor_strs = [tensor_str]
    last_line_len = len(tensor_str) - tensor_str.rfind("\n") + 1
    for suffix in suffixes:
        suffix_len = len(suffix)
        if force_newline or last_line_len + suffix_len + 2 > PRINT_OPTS.linewidth:
            tensor_strs.append(",\n" + " " * indent + suffix)
            last_line_len = indent + suffix_len
            force_newline = False
        else:
            tensor_strs.append(", " + suffix)
            last_line_len += suffix_len + 2
    tensor_strs.append(")")
    return "".join(tensor_strs)


# ---- tensor access ---------------------------------------------------------------------

class _Untraceable(Exception):
    pass


def _host_array(t):
    """The tensor's values as a NumPy array ready for formatting (float64/complex128/int/bool)."""
    try:
        try:
            arr = t.numpy(force=True)
        except TypeError:  # NOTE: a numpy() without torch's force= keyword
            src = t.detach() if getattr(t, "requires_grad", False) and hasattr(t, "detach") else t
            arr = src.numpy()
    except Exception as exc:  # NOTE: a jax tracer has no values to print (inside jax.jit)
        if "Tracer" in type(exc).__name__ or "Concretization" in type(exc).__name__:
            raise _Untraceable() from exc
        raise
    arr = np.asarray(arr)
    d = t.dtype
    if d.is_complex:
        return arr.astype(np.complex128)
    if d.is_floating_point:
        return arr.astype(np.float64)
    return arr


def _dtype_names():
    """Names of the default dtype and of the default complex dtype."""
    try:
        from jtorch._dtype import get_default_dtype
        default = repr(get_default_dtype())
    except ImportError:
        default = "torch.float32"
    return default, "torch.complex128" if default == "torch.float64" else "torch.complex64"


def _grad_fn_name(t):
    try:
        grad_fn = t.grad_fn
    except RuntimeError:
        return "Invalid"
    if grad_fn is None:
        return None
    name = getattr(grad_fn, "name", None)
    if callable(name):
        return str(name()).rsplit("::", 1)[-1]
    return type(grad_fn).__name__


def tensor_repr(t, *, tensor_contents=None):
    """repr(t) exactly as PyTorch prints it: 'tensor([...])' plus suffixes."""
    cls_name = type(t).__name__
    prefix = "tensor(" if cls_name in ("Tensor", "Parameter") else cls_name + "("
    indent = len(prefix)
    suffixes = []
    custom = tensor_contents is not None
    tensor_str = tensor_contents
    device = t.device
    dev_type = getattr(device, "type", str(device))
    if dev_type != "cpu":
        suffixes.append("device='" + str(device) + "'")

    dtype_name = repr(t.dtype)
    default, default_complex = _dtype_names()
    has_default_dtype = dtype_name in (default, default_complex, "torch.int64", "torch.bool")
    shape = tuple(int(d) for d in t.shape)
    numel = math.prod(shape)

    arr = None
    if dev_type != "meta" and numel != 0 and not custom:
        try:
            arr = _host_array(t)
        except _Untraceable:
            dev_type = "meta"
    if dev_type == "meta":
        # NOTE: torch's meta / FakeTensor branch; also used for values traced under jax.jit.
        suffixes.append("size=" + str(shape))
        if dtype_name != default:
            suffixes.append("dtype=" + dtype_name)
        if not custom:
            tensor_str = "..."
    elif numel == 0:
        # Explicitly print the shape if it is not (0,), to match NumPy behavior
        if len(shape) != 1:
            suffixes.append("size=" + str(shape))
        # In an empty tensor there are no elements to infer the dtype from: show it.
        if dtype_name != default:
            suffixes.append("dtype=" + dtype_name)
        if not custom:
            tensor_str = "[]"
    else:
        if not PRINT_OPTS.edgeitems:
            suffixes.append("size=" + str(shape))
        if not has_default_dtype:
            suffixes.append("dtype=" + dtype_name)
        if not custom:
            tensor_str = _array_str(arr, indent)

    grad_fn_name = _grad_fn_name(t)
    if grad_fn_name is not None:
        suffixes.append(f"grad_fn=<{grad_fn_name}>")
    elif getattr(t, "requires_grad", False):
        suffixes.append("requires_grad=True")
    if _reg.FORWARD_AD is not None:  # NOTE: a dual level with dual tensors is active
        from .autograd._forward_ad_impl import tangent_of
        tangent = tangent_of(t)
        if tangent is not None:
            suffixes.append(f"tangent={tangent}")
    return _add_suffixes(prefix + tensor_str, suffixes, indent, force_newline=False)


def tensor_str(t):
    """str(t); for tensors torch's __str__ is the same as __repr__."""
    return tensor_repr(t)
