"""PyTorch's OpInfo database (op_db) as a differential scoreboard for jtorch.

For every op_db entry whose callable resolves in jtorch (torch.X -> jtorch.X, Tensor methods,
torch.nn.functional / linalg / special / fft / signal.windows -> the jtorch namespaces), the
first few CPU sample inputs in float32, int64 and bool (where torch supports that dtype) run
through real torch and jtorch: values, dtypes and shapes are compared; for float32 the VJPs with
a random cotangent are compared too (torch.autograd.grad vs jtorch.autograd.grad).

- An op jtorch does not have is skipped with the reason "jtorch lacks <name>".
- Known-wrong or out-of-scope entries are listed, each with its reason, in tests/_opinfo_skips.py
  (THE one list); a key there may name the whole entry or one part of it ("name:int64",
  "name:grad").
- `python tools/opinfo_report.py` runs this module and prints passed/failed/skipped per family.
"""
import functools
import itertools
import types

import numpy as np
import pytest
import torch
from torch.testing._internal.common_methods_invocations import op_db

import jtorch
from _harness import assert_same, to_jt
from _opinfo_skips import SKIPS, TOLERANCES

MAX_SAMPLES = {"float32": 4, "int64": 2, "bool": 2}
DTYPES = ("float32", "int64", "bool")
FWD_TOL = (1e-5, 1e-5)
GRAD_TOL = (1e-4, 1e-4)

# NOTE: outputs defined only up to a gauge (eigenvector / singular vector signs and phases):
# compared after the OpInfo's own output_process_fn_grad, which makes them gauge-invariant.
GAUGE = {"linalg.eigh", "linalg.eig", "linalg.svd", "svd", "svd_lowrank", "pca_lowrank"}

# NOTE: torch returns uninitialized memory for these: only shapes and dtypes are meaningful.
VALUES_UNDEFINED = {"empty", "empty_like", "empty_strided", "new_empty", "new_empty_strided",
                    "empty_permuted"}

# NOTE: which of several equal elements an index output names is unspecified (torch's CPU
# kernels and XLA's sort pick differently); the indices must still select the right values
# (checked by _check_tied_indices for the integer and bool samples, where ties are common).
TIED_INDICES = {"sort", "argsort", "topk", "kthvalue"}

OPINFOS = {(o.name + ("." + o.variant_test_name if o.variant_test_name else "")): o
           for o in op_db}

# ---- families (for the report) ----------------------------------------------------------------

_PREFIX_FAMILIES = ("linalg", "special", "fft", "nn.functional", "signal", "masked", "sparse")
RANDOM = {"bernoulli", "cauchy", "exponential", "geometric", "log_normal", "multinomial", "normal",
          "uniform", "rand_like", "randn", "randn_like", "randint", "randint_like", "poisson",
          "nn.functional.dropout", "nn.functional.dropout2d", "nn.functional.dropout3d",
          "nn.functional.alpha_dropout", "nn.functional.feature_alpha_dropout",
          "nn.functional.rrelu", "nn.functional.fractional_max_pool2d",
          "nn.functional.fractional_max_pool3d", "svd_lowrank", "pca_lowrank"}
ROUNDING = {"div", "floor_divide", "remainder", "fmod", "round", "true_divide", "__rdiv__",
            "__rmod__", "trunc", "floor", "ceil", "fix", "frac"}
COMPLEX = {"view_as_real", "view_as_complex", "polar", "angle", "real", "imag", "conj",
           "conj_physical", "resolve_conj", "resolve_neg", "complex", "sgn", "cfloat", "cdouble",
           "chalf", "H", "mH", "adjoint", "isreal"}
INDEXING = {"index_add", "index_copy", "index_fill", "index_put", "index_reduce", "index_select",
            "scatter", "scatter_add", "scatter_reduce", "masked_scatter", "masked_select",
            "masked_fill", "take", "take_along_dim", "put", "nonzero", "nonzero_static",
            "argwhere", "unique", "unique_consecutive", "bincount", "histc", "histogram",
            "histogramdd", "bucketize", "searchsorted", "gather", "__getitem__", "where",
            "select", "narrow", "narrow_copy", "sort", "argsort", "msort", "topk"}
SHAPE = {"tensor_split", "hsplit", "vsplit", "dsplit", "split", "split_with_sizes", "chunk",
         "unsafe_chunk", "unsafe_split", "movedim", "moveaxis", "diag", "diag_embed", "diagflat",
         "diagonal", "tril", "triu", "tril_indices", "triu_indices", "block_diag", "kron",
         "meshgrid", "cartesian_prod", "combinations", "unfold", "unfold_copy", "select_scatter",
         "slice_scatter", "diagonal_scatter", "as_strided_scatter", "rot90", "atleast_1d",
         "atleast_2d", "atleast_3d", "column_stack", "hstack", "vstack", "dstack", "row_stack",
         "stack", "cat", "concat", "concatenate", "unflatten", "flatten", "unbind", "unbind_copy",
         "reshape", "reshape_as", "view", "view_as", "squeeze", "unsqueeze", "permute",
         "transpose", "swapaxes", "swapdims", "t", "T", "mT", "expand", "expand_as",
         "expand_copy", "broadcast_to", "broadcast_tensors", "broadcast_shapes", "flip", "fliplr",
         "flipud", "roll", "repeat", "repeat_interleave", "tile", "ravel", "contiguous",
         "as_strided", "as_strided_copy", "view_copy", "permute_copy", "squeeze_copy",
         "t_copy", "transpose_copy", "unsqueeze_copy", "diagonal_copy", "clone", "sum_to_size",
         "resize_", "resize_as_", "alias_copy"}


def family(name):
    """The report family of an op_db full name."""
    base = OPINFOS[name].name if name in OPINFOS else name
    if base in RANDOM:
        return "random"
    for p in _PREFIX_FAMILIES:
        if base.startswith(p + "."):
            return p
    if base.startswith("__"):
        return "operators"
    if base.startswith(("_", "torch.ops", "jiterator")) or base == "slice":
        return "aten-internal"
    if base in ROUNDING:
        return "rounding"
    if base in COMPLEX:
        return "complex"
    if base in INDEXING:
        return "indexing"
    if base in SHAPE:
        return "shape"
    cls = type(OPINFOS[name]).__name__ if name in OPINFOS else ""
    if cls in ("UnaryUfuncInfo", "BinaryUfuncInfo"):
        return "pointwise"
    if "Reduction" in cls:
        return "reduction"
    return "other"


# ---- resolving the jtorch callable ----------------------------------------------------------------

class Missing(Exception):
    """jtorch lacks the named attribute."""


def _lookup(path):
    obj = jtorch
    for part in path.split("."):
        if not hasattr(obj, part):
            raise Missing(f"jtorch lacks {path}")
        obj = getattr(obj, part)
    return obj


class _TorchProxy(types.ModuleType):
    """Stands for `torch` inside op_db's own lambdas: every attribute comes from jtorch."""

    def __init__(self):
        super().__init__("torch")

    def __getattr__(self, name):
        if not hasattr(jtorch, name):
            raise Missing(f"jtorch lacks {name}")
        return getattr(jtorch, name)


_PROXY = _TorchProxy()


def _rebind(f):
    """A copy of op_db's Python function f whose global `torch` is jtorch."""
    g = dict(f.__globals__)
    g["torch"] = _PROXY
    return types.FunctionType(f.__code__, g, f.__name__, f.__defaults__, f.__closure__)


def jt_callable(o):
    """The jtorch counterpart of OpInfo o's callable (raises Missing)."""
    f = o.op
    mod = getattr(f, "__module__", None) or ""
    if isinstance(f, types.FunctionType) and mod.startswith("torch.testing"):
        return _rebind(f)
    if isinstance(f, (types.MethodDescriptorType, types.WrapperDescriptorType)) or \
            mod == "torch._tensor":
        if not hasattr(jtorch.Tensor, f.__name__):
            raise Missing(f"jtorch lacks Tensor.{f.__name__}")
        return getattr(jtorch.Tensor, f.__name__)
    name = o.name
    if "." in name:
        return _lookup(name)
    if hasattr(jtorch, name):
        return getattr(jtorch, name)
    if hasattr(jtorch.Tensor, name):
        return getattr(jtorch.Tensor, name)
    raise Missing(f"jtorch lacks {name}")


# ---- running one sample ----------------------------------------------------------------------

class _Conv:
    """torch -> jtorch conversion that keeps tensor identity (the same torch tensor used twice
    becomes the same jtorch tensor, so gradients accumulate the same way)."""

    def __init__(self):
        self.memo = {}
        self.leaves = []  # (torch tensor, jtorch tensor) pairs that require grad

    def __call__(self, obj):
        if isinstance(obj, torch.Tensor):
            k = id(obj)
            if k not in self.memo:
                j = to_jt(obj, requires_grad=True)
                self.memo[k] = (obj, j)
                if obj.requires_grad:
                    self.leaves.append((obj, j))
            return self.memo[k][1]
        if isinstance(obj, list):
            return [self(x) for x in obj]
        if isinstance(obj, tuple) and not hasattr(obj, "_fields"):
            return tuple(self(x) for x in obj)
        if isinstance(obj, dict):
            return {k: self(v) for k, v in obj.items()}
        if isinstance(obj, torch.nn.Module):
            return self._module(obj)
        if isinstance(obj, types.FunctionType) and obj.__module__ == "torch.nn.functional":
            if not hasattr(jtorch.nn.functional, obj.__name__):
                raise Missing(f"jtorch lacks nn.functional.{obj.__name__}")
            return getattr(jtorch.nn.functional, obj.__name__)
        return to_jt(obj)

    def _module(self, m):
        """A stateless torch module (e.g. a distance_function) -> the same jtorch module."""
        name = type(m).__name__
        if not hasattr(jtorch.nn, name):
            raise Missing(f"jtorch lacks nn.{name}")
        if m._parameters or m._buffers or m._modules:
            return to_jt(m)
        cls = getattr(jtorch.nn, name)
        j = cls.__new__(cls)
        jtorch.nn.Module.__init__(j)
        for k, v in vars(m).items():
            if not k.startswith("_"):
                setattr(j, k, self(v))
        return j


def _flat_tensors(x, cls):
    if isinstance(x, cls):
        return [x]
    if isinstance(x, (list, tuple)):
        return [t for e in x for t in _flat_tensors(e, cls)]
    if isinstance(x, dict):
        return [t for e in x.values() for t in _flat_tensors(e, cls)]
    return []


def _out_fn(sample):
    f = sample.output_process_fn_grad
    if isinstance(f, types.FunctionType) and (f.__module__ or "").startswith("torch.testing"):
        return _rebind(f)
    return f


def check_sample(name, o, jfn, sample, dtype_name, grad):
    """Run one sample through torch and jtorch; compare outputs and (grad) the VJPs."""
    conv = _Conv()
    jin, jargs, jkw = conv(sample.input), conv(list(sample.args)), conv(dict(sample.kwargs))
    t_out = o.op(sample.input, *sample.args, **sample.kwargs)
    try:
        j_out = jfn(jin, *jargs, **jkw)
    except Missing:
        raise
    except AttributeError as e:
        if "jtorch" in str(e) or "'Tensor'" in str(e):
            raise Missing(f"jtorch lacks something {name} needs: {e}") from None
        raise
    rtol, atol = TOLERANCES.get(name, FWD_TOL)
    if name in VALUES_UNDEFINED:
        assert_same(jtorch.zeros_like(j_out), torch.zeros_like(t_out), where=f"{name} "
                    f"{dtype_name} shape/dtype: ")
        return
    if name in TIED_INDICES and dtype_name != "float32":
        _check_tied_indices(name, sample, j_out, t_out, jin, where=f"{name} {dtype_name}: ")
        return
    if name in GAUGE:
        assert_same(_out_fn(sample)(j_out), sample.output_process_fn_grad(t_out), rtol, atol,
                    where=f"{name} {dtype_name} output (gauge-invariant): ")
    else:
        assert_same(j_out, t_out, rtol, atol, where=f"{name} {dtype_name} output: ")
    if not grad:
        return
    t_res = [t for t in _flat_tensors(sample.output_process_fn_grad(t_out), torch.Tensor)
             if t.requires_grad]
    leaves = [(t, j) for t, j in conv.leaves]
    if not t_res or not leaves:
        return
    j_res = _flat_tensors(_out_fn(sample)(j_out), jtorch.Tensor)
    j_res = [j for j, t in zip(j_res, _flat_tensors(sample.output_process_fn_grad(t_out),
                                                    torch.Tensor)) if t.requires_grad]
    assert len(j_res) == len(t_res), f"{name}: {len(j_res)} jtorch outputs vs {len(t_res)}"
    for j in j_res:
        assert j.requires_grad, f"{name}: jtorch output does not require grad"
    gen = torch.Generator().manual_seed(1234)
    cots = [torch.randn(t.shape, dtype=t.dtype, generator=gen) for t in t_res]
    t_grads = torch.autograd.grad(t_res, [t for t, _ in leaves], cots, allow_unused=True)
    j_grads = jtorch.autograd.grad(j_res, [j for _, j in leaves], [to_jt(c) for c in cots],
                                   allow_unused=True)
    grtol, gatol = TOLERANCES.get(name + ":grad", GRAD_TOL)
    for i, (tg, jg) in enumerate(zip(t_grads, j_grads)):
        if tg is None and jg is None:
            continue
        if tg is None:
            tg = torch.zeros_like(leaves[i][0])
        if jg is None:
            jg = jtorch.zeros_like(leaves[i][1])
        assert_same(jg, tg, grtol, gatol, where=f"{name} grad of input {i}: ")


def _dim_of(name, sample):
    """The `dim` argument of a sort/argsort/topk/kthvalue sample (torch's default if absent)."""
    pos = {"sort": 0, "argsort": 0, "topk": 1, "kthvalue": 1}[name]
    if "dim" in sample.kwargs:
        return sample.kwargs["dim"]
    args = [a for a in sample.args if not isinstance(a, bool)] if name in ("sort", "argsort") \
        else list(sample.args)
    return args[pos] if len(args) > pos else -1


def _check_tied_indices(name, sample, j_out, t_out, jin, where):
    """Values equal torch's exactly; indices may name another of several equal elements, but
    gathering the input at them must give those values."""
    if name == "argsort":
        j_idx, t_idx = j_out, t_out
        t_vals = None
    else:
        assert_same(j_out[0], t_out[0], where=where + "values: ")
        j_idx, t_idx, t_vals = j_out[1], t_out[1], t_out[0]
    assert_same(jtorch.zeros_like(j_idx), torch.zeros_like(t_idx), where=where + "indices: ")
    dim = _dim_of(name, sample)
    x = sample.input
    if x.ndim == 0:
        assert_same(j_idx, t_idx, where=where + "indices: ")
        return
    if name == "kthvalue" and not sample.kwargs.get("keepdim", False) and \
            not (len(sample.args) > 2 and sample.args[2]):
        t_idx_k, j_idx_k = t_idx.unsqueeze(dim), j_idx.unsqueeze(dim)
    else:
        t_idx_k, j_idx_k = t_idx, j_idx
    want = torch.gather(x, dim, t_idx_k)
    got = jtorch.gather(jin, dim, j_idx_k)
    assert_same(got, want, where=where + "input gathered at the indices: ")
    if t_vals is None:  # argsort: the indices must also be a permutation along dim
        s_j = jtorch.sort(j_idx, dim=dim)[0]
        s_t = torch.sort(t_idx, dim=dim)[0]
        assert_same(s_j, s_t, where=where + "indices as a permutation: ")


def _uses_dropout(name, sample):
    """A sample whose result depends on torch's RNG (attention with dropout): not comparable by
    value, so it is passed over (the deterministic samples of the same entry still run)."""
    return name == "nn.functional.scaled_dot_product_attention" and \
        sample.kwargs.get("dropout_p", 0.0) > 0


def _skip_reason(name, part=None):
    return SKIPS.get(name if part is None else f"{name}:{part}")


def run_opinfo(name):
    """Run every check of op_db entry `name`; returns the parts skipped by the list."""
    o = OPINFOS[name]
    reason = _skip_reason(name)
    if reason:
        pytest.skip(f"listed: {reason}")
    try:
        jfn = jt_callable(o)
    except Missing as e:
        pytest.skip(str(e))
    supported = {str(d).replace("torch.", "") for d in o.supported_dtypes("cpu")}
    ran = 0
    for dn in DTYPES:
        if dn not in supported or _skip_reason(name, dn):
            continue
        dt = getattr(torch, dn)
        grad = dn == "float32" and o.supports_autograd and not _skip_reason(name, "grad")
        torch.manual_seed(0)
        # NOTE: sample_inputs_func directly: OpInfo.sample_inputs wraps it in a tracker that
        # walks the Python stack per sample (~0.15 s each).
        samples = (s for s in o.sample_inputs_func(o, "cpu", dt, grad)
                   if not _uses_dropout(name, s))
        for sample in itertools.islice(samples, MAX_SAMPLES[dn]):
            try:
                check_sample(name, o, jfn, sample, dn, grad)
            except Missing as e:
                pytest.skip(str(e))
            ran += 1
    if not ran:
        pytest.skip("no sample in float32/int64/bool for torch's supported dtypes")


@pytest.mark.parametrize("name", sorted(OPINFOS))
def test_opinfo(name):
    """op_db entry `name`: jtorch matches torch on its sample inputs (values and VJPs)."""
    run_opinfo(name)


# ---- public names op_db has no entry for -----------------------------------------------------

_X = np.linspace(-2.5, 2.5, 12, dtype=np.float32).reshape(3, 4)
_P = np.linspace(0.05, 0.95, 12, dtype=np.float32).reshape(3, 4)
EXTRA = {
    "fft.fftfreq": lambda m: m.fft.fftfreq(7, 0.5),
    "fft.rfftfreq": lambda m: m.fft.rfftfreq(8),
    "special.psi": lambda m: m.special.psi(m.tensor(_X + 3)),
    "special.gammaln": lambda m: m.special.gammaln(m.tensor(_X + 3)),
    "special.expit": lambda m: m.special.expit(m.tensor(_X)),
    "special.exp2": lambda m: m.special.exp2(m.tensor(_X)),
    "special.gammainc": lambda m: m.special.gammainc(m.tensor(_P * 4), m.tensor(_X + 3)),
    "special.gammaincc": lambda m: m.special.gammaincc(m.tensor(_P * 4), m.tensor(_X + 3)),
    "special.multigammaln": lambda m: m.special.multigammaln(m.tensor(_X + 4), 2),
    "special.softmax": lambda m: m.special.softmax(m.tensor(_X), 1),
    "special.log_softmax": lambda m: m.special.log_softmax(m.tensor(_X), 0),
    "special.logsumexp": lambda m: m.special.logsumexp(m.tensor(_X), 1),
    "special.logit": lambda m: m.special.logit(m.tensor(_P)),
    "special.xlogy": lambda m: m.special.xlogy(m.tensor(_P), m.tensor(_P)),
    "linalg.matrix_exp": lambda m: m.linalg.matrix_exp(m.tensor(_X[:, :3] / 4)),
    "linalg.solve.left_false": lambda m: m.linalg.solve(
        m.tensor(_X[:, :3] + 3 * np.eye(3, dtype=np.float32)), m.tensor(_X[:2, :3]), left=False),
    "fft.fftshift.2d": lambda m: m.fft.fftshift(m.tensor(_X), dim=(0, 1)),
    "logdet": lambda m: m.logdet(m.tensor(_X[:, :3] + 3 * np.eye(3, dtype=np.float32))),
}


@pytest.mark.parametrize("name", sorted(EXTRA))
def test_extra_public_names(name):
    """Public special/fft/linalg names outside op_db agree with torch."""
    assert_same(EXTRA[name](jtorch), EXTRA[name](torch), 1e-5, 1e-5)
