"""Pointwise ops against torch, driven by PyTorch's own OpInfo sample inputs.

Every public name in `jtorch._ops.pointwise.__all__` is matched to torch's OpInfo of the same
name (or the OpInfo it is an alias of). For float32, int64 and bool (where torch supports the
dtype) each sample input is replayed in jtorch: the function, the Tensor method and the in-place
method, compared with assert_same (or both must raise the same class). Samples jtorch cannot
take are skipped ONLY through KNOWN_SKIPS below, each with its reason. Operators, reflected
scalars and in-place operator errors are tested at the bottom.
"""
import operator
import warnings

import numpy as np
import pytest
import torch
from torch.testing._internal.common_methods_invocations import op_db

import jtorch
from _harness import (DTYPE_NAMES, abstract_ops, assert_same, assert_same_raise,
                      broadcast_cases, noncontig_cases, pair, shape_cases, to_jt)
from jtorch._ops import pointwise as P

DTYPES = [torch.float32, torch.int64, torch.bool]

# jtorch name -> torch OpInfo name, where the OpInfo is not found by name or alias.
OPINFO_NAME = {"relu": "nn.functional.relu"}

# Names jtorch exports that torch itself does not have: tested by hand below, not by OpInfo.
NOT_IN_TORCH = {n for n in P.__all__ if not hasattr(torch, n)}


def _opinfos_for(name):
    target = OPINFO_NAME.get(name, name)
    found = [o for o in op_db if o.name == target]
    if not found:
        found = [o for o in op_db if any(a.name == name for a in o.aliases)]
    return found


# ---- the one list of known skips -------------------------------------------------------------
# (jtorch name, predicate(sample, dtype) -> bool, reason). Nothing else may skip a sample.

KNOWN_SKIPS = [
    # (none at present: every sample of every covered op runs)
]


def _skip_reason(name, sample, dtype):
    for n, pred, reason in KNOWN_SKIPS:
        if n == name and pred(sample, dtype):
            return reason
    return None


# ---- tolerances ---------------------------------------------------------------------------------
# XLA's and torch's float32 transcendental kernels differ by a few ulps.
TOL = {
    "default": (1.3e-6, 1e-5),
    "loose": (2e-5, 2e-5),
}
LOOSE = {"exp", "exp2", "expm1", "log", "log2", "log10", "log1p", "sin", "cos", "tan", "asin",
         "acos", "atan", "sinh", "cosh", "tanh", "asinh", "acosh", "atanh", "sigmoid", "erf",
         "erfc", "erfinv", "lgamma", "digamma", "i0", "sinc", "pow", "float_power", "atan2",
         "xlogy", "logit", "rsqrt", "arcsin", "arccos", "arctan", "arcsinh", "arccosh",
         "arctanh", "arctan2", "hypot", "ldexp", "reciprocal", "sqrt", "div", "true_divide",
         "divide", "addcdiv", "lerp", "deg2rad", "rad2deg"}


def _tol(name):
    return TOL["loose"] if name in LOOSE else TOL["default"]


# ---- build the parametrization -----------------------------------------------------------------

def _cases():
    out = []
    for name in P.__all__:
        if name in NOT_IN_TORCH:
            continue
        for o in _opinfos_for(name):
            sup = o.supported_dtypes("cpu")
            for d in DTYPES:
                if d in sup:
                    vid = f"{name}.{o.variant_test_name}" if o.variant_test_name else name
                    out.append(pytest.param(name, o, d, id=f"{vid}-{str(d)[6:]}"))
    return out


CASES = _cases()
COVERED = {c.values[0] for c in CASES}


def test_every_pointwise_name_is_covered():
    """Every exported pointwise name is tested by OpInfo, or listed as jtorch-only."""
    missing = [n for n in P.__all__ if n not in COVERED and n not in NOT_IN_TORCH]
    assert not missing, f"no OpInfo for {missing}; add them to OPINFO_NAME or test by hand"


def _call(fn, sample, convert):
    inp = convert(sample.input)
    args = convert(tuple(sample.args))
    kwargs = convert(dict(sample.kwargs))
    return fn(inp, *args, **kwargs)


def _outcome(fn):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return fn(), None
    except Exception as e:  # noqa: BLE001
        return None, e


# OpInfos whose `op` takes the sample in a different order than the torch function.
ADAPT = {"where": lambda fn: (lambda self, condition, other, **kw: fn(condition, self, other,
                                                                      **kw))}


@pytest.mark.parametrize("name, opinfo, dtype", CASES)
def test_opinfo_samples(name, opinfo, dtype):
    jfn = getattr(jtorch, name)
    if name in ADAPT:
        jfn = ADAPT[name](jfn)
    tfn = opinfo.op
    rtol, atol = _tol(name)
    samples = list(opinfo.sample_inputs("cpu", dtype))
    ran = skipped = 0
    reasons = set()
    for i, s in enumerate(samples):
        why = _skip_reason(name, s, dtype)
        if why is not None:
            skipped += 1
            reasons.add(why)
            continue
        where = f"sample {i} ({s.summary() if hasattr(s, 'summary') else s}): "
        want, terr = _outcome(lambda: _call(tfn, s, lambda x: x))
        if terr is not None:
            assert_same_raise(lambda: _call(jfn, s, to_jt), lambda: _call(tfn, s, lambda x: x))
            continue
        got = _call(jfn, s, to_jt)
        assert_same(got, want, rtol, atol, where=where)
        ran += 1
        # the Tensor method, when torch has one
        if opinfo.method_variant is not None and isinstance(s.input, torch.Tensor) and \
                hasattr(jtorch.Tensor, name):
            got_m = _call(lambda x, *a, **k: getattr(x, name)(*a, **k), s, to_jt)
            assert_same(got_m, want, rtol, atol, where="method " + where)
        # the in-place method: same values in input's dtype, or torch's error
        if opinfo.inplace_variant is not None and isinstance(s.input, torch.Tensor) and \
                hasattr(jtorch.Tensor, name + "_"):
            def t_inp():
                x = s.input.detach().clone()
                return getattr(x, name + "_")(*s.args, **s.kwargs)

            def j_inp():
                x = to_jt(s.input)
                r = getattr(x, name + "_")(*to_jt(tuple(s.args)), **to_jt(dict(s.kwargs)))
                assert r is x, "in-place method must return self"
                return r
            want_i, terr_i = _outcome(t_inp)
            if terr_i is not None:
                assert_same_raise(j_inp, t_inp)
            else:
                assert_same(j_inp(), want_i, rtol, atol, where="in-place " + where)
    if ran == 0 and skipped:
        pytest.skip("; ".join(sorted(reasons)))


# ---- dtype support: every op x every dtype (trace only) -----------------------------------------

_NARGS = {"where": None, "clamp": 1, "clip": 1, "clamp_min": 2, "clamp_max": 2, "lerp": 3,
          "addcmul": 3, "addcdiv": 3}


@pytest.mark.parametrize("name", [n for n in P.__all__ if n not in NOT_IN_TORCH
                                  and _NARGS.get(n, 0) is not None])
def test_dtype_support_grid(name):
    """For all 12 dtypes, op(x, ...) with same-dtype operands: jtorch gives torch's result
    dtype or raises torch's exception class (the kernels torch lacks: bitwise on floats,
    comparisons of complex, ...). Traced only (abstract_ops), so no compiles."""
    import inspect
    jfn, tfn = getattr(jtorch, name), getattr(torch, name)
    n = _NARGS.get(name) or len([p for p in inspect.signature(jfn).parameters.values()
                                 if p.default is p.empty and p.kind == p.POSITIONAL_OR_KEYWORD])
    bad = []
    for d in DTYPE_NAMES:
        ja, ta = pair(np.ones(3), dtype=d)
        want, terr = _outcome(lambda: tfn(*(ta,) * n))
        with abstract_ops():
            got, jerr = _outcome(lambda: jfn(*(ja,) * n))
        w = ("raise", type(terr).__name__) if terr else ("ok", str(want.dtype))
        g = ("raise", type(jerr).__name__) if jerr else ("ok", str(got.dtype))
        if w != g:
            bad.append(f"{name}({d}): jtorch {g} {jerr or ''} torch {w} {terr or ''}")
    assert not bad, "\n".join(bad)


# ---- jtorch-only names --------------------------------------------------------------------------

def test_jtorch_only_names():
    """pointwise.__all__ exports only names torch has (the namespace must stay torch's)."""
    assert not NOT_IN_TORCH, f"not torch functions: {sorted(NOT_IN_TORCH)}"


# ---- dtypes x shapes sweep (contiguous, 0-d, empty, non-contiguous) ---------------------------

# NOTE: OpInfo samples above already cover 0-d/empty/broadcast shapes for every op; these
# sweeps add the harness's own generators for a representative handful (compiles are ~40 ms).
UNARY_SWEEP = ["exp", "neg", "abs", "floor", "isnan", "bitwise_not", "frac"]


@pytest.mark.parametrize("dtype", ["float32", "int64", "bool"])
@pytest.mark.parametrize("name", UNARY_SWEEP)
def test_unary_sweep(name, dtype):
    for case in shape_cases(dtype):
        jx, tx = case.make()
        tfn = getattr(torch, name) if hasattr(torch, name) else getattr(torch.nn.functional, name)
        want, terr = _outcome(lambda: tfn(tx))
        if terr is not None:
            assert_same_raise(lambda: getattr(jtorch, name)(jx), lambda: tfn(tx))
            continue
        assert_same(getattr(jtorch, name)(jx), want, *_tol(name), where=f"{case}: ")


@pytest.mark.parametrize("name", ["exp", "neg", "abs", "floor", "isnan", "sqrt"])
def test_unary_noncontiguous(name):
    for case in noncontig_cases("float32"):
        jx, tx = case.make()
        assert_same(getattr(jtorch, name)(jx), getattr(torch, name)(tx), *_tol(name),
                    where=f"{case}: ")


BINARY_SWEEP = ["add", "sub", "div", "floor_divide", "pow", "maximum", "lt", "bitwise_and"]


@pytest.mark.parametrize("dtype", ["float32", "int64", "bool"])
@pytest.mark.parametrize("name", BINARY_SWEEP)
def test_binary_broadcast_sweep(name, dtype):
    for label, a, b in broadcast_cases(dtype):
        if dtype != "bool" and name in ("div", "floor_divide", "remainder", "fmod") and \
                dtype == "int64":
            b = np.where(b == 0, 3, b)  # torch raises ZeroDivisionError on int division by 0
        if name == "pow" and dtype == "int64":
            b = np.abs(b)
        ja, ta = pair(a)
        jb, tb = pair(b)
        tfn, jfn = getattr(torch, name), getattr(jtorch, name)
        want, terr = _outcome(lambda: tfn(ta, tb))
        if terr is not None:
            assert_same_raise(lambda: jfn(ja, jb), lambda: tfn(ta, tb))
            continue
        assert_same(jfn(ja, jb), want, *_tol(name), where=f"{label}: ")


@pytest.mark.parametrize("name", ["add", "mul", "maximum", "eq"])
def test_binary_noncontiguous(name):
    for case in noncontig_cases("float32"):
        jx, tx = case.make()
        assert_same(getattr(jtorch, name)(jx, jx), getattr(torch, name)(tx, tx))
        if name != "maximum":  # torch.maximum takes tensors only
            assert_same(getattr(jtorch, name)(jx, 2.0), getattr(torch, name)(tx, 2.0))


def test_round_decimals():
    jx, tx = pair(np.array([1.2345, -2.5555, 1234.5678, 0.5, 1.5, -0.5], dtype=np.float32))
    for dec in (0, 1, 2, 3, -1, -2):
        assert_same(jtorch.round(jx, decimals=dec), torch.round(tx, decimals=dec), 1e-6, 1e-4)


def test_special_values():
    # NOTE: no subnormals here; see test_subnormals_known_divergence.
    vals = np.array([0.0, -0.0, 1.0, -1.0, np.inf, -np.inf, np.nan, 1e-30, 1e38, -1e38],
                    dtype=np.float32)
    jx, tx = pair(vals)
    with np.errstate(all="ignore"):
        for name in ["exp", "log", "sqrt", "sign", "floor", "round", "sigmoid", "tanh", "abs",
                     "neg", "reciprocal", "isinf", "isposinf", "isneginf", "signbit", "trunc",
                     "nan_to_num", "rsqrt", "log1p", "expm1", "square"]:
            assert_same(getattr(jtorch, name)(jx), getattr(torch, name)(tx), 1e-5, 1e-5,
                        where=f"{name}: ")
        for name in ["maximum", "minimum", "fmax", "fmin", "atan2", "copysign", "fmod",
                     "remainder", "div", "floor_divide", "pow", "hypot", "nextafter"]:
            jy, ty = pair(vals[::-1].copy())
            assert_same(getattr(jtorch, name)(jx, jy), getattr(torch, name)(tx, ty), 1e-5, 1e-5,
                        where=f"{name}: ")


# ---- known divergences (documented, asserted to still diverge) ---------------------------------

@pytest.mark.xfail(strict=True, reason="XLA's CPU backend flushes float32 subnormals to zero "
                                       "(FTZ/DAZ); torch keeps them: log(1e-40) is -inf in "
                                       "jtorch, -92.1 in torch")
def test_subnormals_known_divergence():
    jx, tx = pair(np.array([1e-40], dtype=np.float32))
    assert_same(jtorch.log(jx), torch.log(tx))


@pytest.mark.xfail(strict=True, reason="integer division by a zero element: torch's CPU kernel "
                                       "reads the values and raises RuntimeError("
                                       "'ZeroDivisionError'); jtorch would need a device sync "
                                       "per op to do that, so it returns XLA's value")
def test_integer_division_by_zero_known_divergence():
    ja, ta = pair(np.array([3, 4]))
    jb, tb = pair(np.array([1, 0]))
    assert_same_raise(lambda: ja // jb, lambda: ta // tb)


def _zero_division(err):
    return isinstance(err, RuntimeError) and str(err) == "ZeroDivisionError"


# ---- operators ------------------------------------------------------------------------------------

BINOPS = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv,
          "//": operator.floordiv, "%": operator.mod, "**": operator.pow, "&": operator.and_,
          "|": operator.or_, "^": operator.xor, "<<": operator.lshift, ">>": operator.rshift,
          "==": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le,
          ">": operator.gt, ">=": operator.ge}
OPERANDS = {
    "f32": lambda: pair(np.array([1.5, -2.0, 3.25, 0.5], dtype=np.float32)),
    "i64": lambda: pair(np.array([3, -2, 7, 1])),
    "bool": lambda: pair(np.array([True, False, True, False])),
    "0d_f64": lambda: pair(np.array(2.0)),
}
SCALARS = [2, 2.5, True, -3]


@pytest.mark.parametrize("op", list(BINOPS))
@pytest.mark.parametrize("left", ["f32", "i64", "bool"])
def test_operators(op, left):
    f = BINOPS[op]
    ja, ta = OPERANDS[left]()
    rights = [(k, *OPERANDS[k]()) for k in OPERANDS] + [(repr(s), s, s) for s in SCALARS]
    for label, jb, tb in rights:
        # tensor-tensor pairs are covered in both orders by the `left` parametrization
        sides = [(ja, jb, ta, tb, "tensor-left")]
        if label not in OPERANDS:
            sides.append((jb, ja, tb, ta, "reflected"))
        for jx, jy, tx, ty, side in sides:
            want, terr = _outcome(lambda: f(tx, ty))
            if _zero_division(terr):
                continue  # see test_integer_division_by_zero_known_divergence
            if terr is not None:
                assert_same_raise(lambda: f(jx, jy), lambda: f(tx, ty))
                continue
            got, jerr = _outcome(lambda: f(jx, jy))
            assert jerr is None, f"{left} {op} {label} ({side}): jtorch raised {jerr!r}"
            assert_same(got, want, 1e-5, 1e-5, where=f"{left} {op} {label} ({side}): ")


@pytest.mark.parametrize("operand", list(OPERANDS))
def test_unary_operators(operand):
    ja, ta = OPERANDS[operand]()
    for f in (operator.neg, operator.pos, operator.invert, abs):
        want, terr = _outcome(lambda: f(ta))
        if terr is not None:
            assert_same_raise(lambda: f(ja), lambda: f(ta))
        else:
            assert_same(f(ja), want)


IOPS = {"+=": operator.iadd, "-=": operator.isub, "*=": operator.imul, "/=": operator.itruediv,
        "//=": operator.ifloordiv, "%=": operator.imod, "**=": operator.ipow,
        "&=": operator.iand, "|=": operator.ior, "^=": operator.ixor, "<<=": operator.ilshift,
        ">>=": operator.irshift}


@pytest.mark.parametrize("op", list(IOPS))
@pytest.mark.parametrize("left", ["f32", "i64", "bool"])
def test_inplace_operators(op, left):
    f = IOPS[op]
    for label, mk in list(OPERANDS.items()) + [(repr(s), (lambda s=s: (s, s))) for s in SCALARS]:
        ja, ta = OPERANDS[left]()
        jb, tb = mk()
        want, terr = _outcome(lambda: f(ta, tb))
        if _zero_division(terr):
            continue  # see test_integer_division_by_zero_known_divergence
        if terr is not None:
            assert_same_raise(lambda: f(ja, jb), lambda: f(ta, tb))
            continue
        ver = ja._version
        got = f(ja, jb)
        assert got is ja, f"{left} {op} {label}: in-place operator must return self"
        assert ja._version > ver
        assert_same(got, want, 1e-5, 1e-5, where=f"{left} {op} {label}: ")


def test_int_tensor_iadd_float_error():
    ji, ti = pair(np.array([1, 2, 3]))
    ej, et = assert_same_raise(lambda: ji.__iadd__(1.5), lambda: ti.__iadd__(1.5),
                               contains=("Float", "Long"))
    assert str(ej) == str(et)
    assert ji.tolist() == [1, 2, 3]  # unchanged after the error
    jb, tb = pair(np.array([True, False]))
    assert_same_raise(lambda: jb.__iadd__(1), lambda: tb.__iadd__(1), contains=("Long", "Bool"))
    jf, tf = pair(np.array([1.0, 2.0], dtype=np.float32))
    assert_same_raise(lambda: jf.__iadd__(1j), lambda: tf.__iadd__(1j))


def test_inplace_broadcast_error():
    ja, ta = pair(np.zeros(3, dtype=np.float32))
    jb, tb = pair(np.zeros((2, 3), dtype=np.float32))
    ej, et = assert_same_raise(lambda: ja.add_(jb), lambda: ta.add_(tb), contains=("[3]", "[2, 3]"))


def test_out_argument():
    ja, ta = pair(np.array([1.0, 2.0], dtype=np.float32))
    jo, to = pair(np.zeros(2, dtype=np.float64))
    r = jtorch.add(ja, ja, out=jo)
    torch.add(ta, ta, out=to)
    assert r is jo
    assert_same(jo, to)
    ji, ti = pair(np.zeros(2, dtype=np.int64))
    assert_same_raise(lambda: jtorch.add(ja, ja, out=ji), lambda: torch.add(ta, ta, out=ti))


def test_alpha_and_rounding_mode_errors():
    ja, ta = pair(np.array([1, 2]))
    assert_same(jtorch.add(ja, ja, alpha=3), torch.add(ta, ta, alpha=3))
    assert_same(jtorch.sub(ja, 1, alpha=2), torch.sub(ta, 1, alpha=2))
    assert_same_raise(lambda: jtorch.add(ja, ja, alpha=1.5), lambda: torch.add(ta, ta, alpha=1.5))
    assert_same_raise(lambda: jtorch.div(ja, ja, rounding_mode="bad"),
                      lambda: torch.div(ta, ta, rounding_mode="bad"))
    assert_same_raise(lambda: jtorch.pow(ja, -1), lambda: torch.pow(ta, -1))
    assert_same_raise(lambda: jtorch.clamp(ja), lambda: torch.clamp(ta))
