"""Special functions (torch.special.* and torch.polygamma/igamma/gcd/...), complex views.

Each is one registered op: a pure JAX function (jax.scipy.special where it has one), so its
VJP comes from JAX; integer/bool inputs promote to the default float dtype like torch's.
"""
import builtins

import jax
import jax.numpy as jnp
import jax.scipy.special as jss
from jax import lax

from .. import _dtype as D
from ._common import torch_name
from .registry import dispatch, promote, to_float
from .registry import register as _reg
from ._common import with_out as _out

__all__ = []          # torch.special names
TORCH_NAMES = []      # top-level torch.* names defined here
METHODS = {}          # Tensor methods defined here


def _nie(kernel, d):
    return NotImplementedError(f"\"{kernel}\" not implemented for '{torch_name(d)}'")


def _real_float(name, x):
    d = D.from_np(x.dtype)
    if d._cat == 3:
        raise _nie(name, d)
    return to_float(x)


def _unary(name, jfn, differentiable=True, export=True):
    o = _reg("special_" + name, lambda x: jfn(_real_float(name, x)),
             differentiable=differentiable, grad_name=f"Special{_camel(name)}Backward0")

    def f(input, *, out=None):
        return _out(dispatch(o, (input,)), out)
    f.__name__ = name
    f.__doc__ = f"Elementwise {name} (torch.special.{name})."
    if export:
        __all__.append(name)
        globals()[name] = f
    return f


def _camel(name):
    return "".join(p[:1].upper() + p[1:] for p in name.split("_"))


def _binary_fn(name, jfn):
    def fn(a, b):
        from .pointwise import _bshape
        _bshape(a, b)
        (a, b), rt = promote(a, b)
        if rt._cat == 3:
            raise _nie(name, rt)
        if rt._cat < 2:
            a, b = to_float(a), to_float(b)
        return jfn(a, b)
    return fn


def _binary(name, jfn, differentiable=True):
    o = _reg("special_" + name, _binary_fn(name, jfn), differentiable=differentiable,
             grad_name=f"Special{_camel(name)}Backward0")

    def f(input, other, *, out=None):
        return _out(dispatch(o, (input, other)), out)
    f.__name__ = name
    f.__doc__ = f"Elementwise {name} with broadcasting (torch.special.{name})."
    __all__.append(name)
    globals()[name] = f
    return f


# ---- unary special functions -------------------------------------------------------------------

def _entr(x):
    safe = jnp.where(x > 0, x, 1)
    return jnp.where(x > 0, -x * jnp.log(safe), jnp.where(x == 0, 0, -jnp.inf)).astype(x.dtype)


def _sinc(x):
    return jnp.sinc(x)


def _spherical_j0(x):
    # NOTE: torch: sin(x)/x, with a Taylor series for |x| < 0.5; 0 at +-inf.
    small = jnp.abs(x) < 0.5
    xs = jnp.where(small, 1, x)
    x2 = x * x
    series = 1 - x2 / 6 * (1 - x2 / 20 * (1 - x2 / 42 * (1 - x2 / 72 * (1 - x2 / 110))))
    return jnp.where(jnp.isinf(x), 0, jnp.where(small, series, jnp.sin(xs) / xs)).astype(x.dtype)


_UNARY = {
    "entr": _entr, "erfcx": jss.erfcx, "i0e": jss.i0e, "i1": jss.i1, "i1e": jss.i1e,
    "ndtr": jss.ndtr, "ndtri": jss.ndtri, "log_ndtr": jss.log_ndtr,
    "spherical_bessel_j0": _spherical_j0, "expit": jax.nn.sigmoid,
    "modified_bessel_i0": jss.i0, "modified_bessel_i1": jss.i1,
}
for _n, _f in _UNARY.items():
    _unary(_n, _f, differentiable=_n not in ("modified_bessel_i0", "modified_bessel_i1",
                                              "spherical_bessel_j0"))

_binary("xlog1py", jss.xlog1py)
def _zeta(s, q):
    from ._kinks import hurwitz_zeta
    return hurwitz_zeta(s, q)


_binary("zeta", _zeta)


# ---- polygamma / multigammaln / igamma ----------------------------------------------------------

def _polygamma_fn(n, x):
    x = _real_float("polygamma", x)
    if n == 0:
        from ._kinks import digamma as _dg
        return _dg(x)
    from ._kinks import polygamma as _pg
    return _pg(n, x)


_POLYGAMMA = _reg("polygamma", _polygamma_fn)


def polygamma(n, input, *, out=None):
    """n-th derivative of digamma (torch.polygamma)."""
    if n < 0:
        raise RuntimeError("polygamma(n, x) does not support negative n.")
    return _out(dispatch(_POLYGAMMA, (input,), (int(n),)), out)


def _mvlgamma_fn(p, x):
    x = _real_float("mvlgamma", x)
    return jss.multigammaln(x, p).astype(x.dtype)


_MVLGAMMA = _reg("mvlgamma", _mvlgamma_fn)


def mvlgamma(input, p, *, out=None):
    """Multivariate log-gamma of dimension p (torch.mvlgamma)."""
    if p < 1:
        raise RuntimeError("p has to be greater than or equal to 1")
    return _out(dispatch(_MVLGAMMA, (input,), (int(p),)), out)


def multigammaln(input, p, *, out=None):
    """Multivariate log-gamma of dimension p (torch.special.multigammaln)."""
    return mvlgamma(input, p, out=out)


_IGAMMA = _reg("igamma", _binary_fn("igamma", jss.gammainc))
_IGAMMAC = _reg("igammac", _binary_fn("igammac", jss.gammaincc))


def igamma(input, other, *, out=None):
    """Regularised lower incomplete gamma P(input, other) (torch.igamma)."""
    return _out(dispatch(_IGAMMA, (input, other)), out)


def igammac(input, other, *, out=None):
    """Regularised upper incomplete gamma Q(input, other) (torch.igammac)."""
    return _out(dispatch(_IGAMMAC, (input, other)), out)


gammainc, gammaincc = igamma, igammac
__all__ += ["polygamma", "multigammaln", "gammainc", "gammaincc"]
TORCH_NAMES += ["polygamma", "mvlgamma", "igamma", "igammac"]
METHODS.update(polygamma=lambda self, n: polygamma(n, self), mvlgamma=mvlgamma, igamma=igamma,
               igammac=igammac)


# ---- integer and float bit ops: gcd, lcm, frexp, heaviside, logaddexp ---------------------------

def _int_binary(name):
    def fn(a, b):
        from .pointwise import _bshape
        _bshape(a, b)
        (a, b), rt = promote(a, b)
        if rt._cat != 1:
            raise _nie(f"{name}_cpu", rt)
        return jnp.gcd(a, b) if name == "gcd" else jnp.lcm(a, b)
    return fn


_GCD = _reg("gcd", _int_binary("gcd"), differentiable=False)
_LCM = _reg("lcm", _int_binary("lcm"), differentiable=False)


def gcd(input, other, *, out=None):
    """Elementwise greatest common divisor (torch.gcd)."""
    return _out(dispatch(_GCD, (input, other)), out)


def lcm(input, other, *, out=None):
    """Elementwise least common multiple (torch.lcm)."""
    return _out(dispatch(_LCM, (input, other)), out)


def _frexp_fn(x):
    d = D.from_np(x.dtype)
    if d._cat != 2:
        raise RuntimeError("torch.frexp() only supports floating-point dtypes")
    m, e = jnp.frexp(x)
    return m, e.astype(jnp.int32)


_FREXP = _reg("frexp", _frexp_fn, nout=2, nondiff_outputs=(1,))


def frexp(input, *, out=None):
    """(mantissa, exponent) with input = mantissa * 2**exponent (torch.frexp)."""
    from .. import return_types as RT
    return RT.frexp(_out(dispatch(_FREXP, (input,)), out))


def _heaviside_fn(x, v):
    from .pointwise import _bshape
    _bshape(x, v)
    if x.dtype != v.dtype:
        raise RuntimeError("heaviside is not yet implemented for tensors with different dtypes")
    if jnp.iscomplexobj(x):
        raise _nie("heaviside_cpu", D.from_np(x.dtype))
    zero = jnp.zeros((), x.dtype)
    if x.dtype == jnp.bool_:
        return jnp.where(x, True, v)
    return jnp.where(x == 0, v, (x > zero).astype(x.dtype)).astype(x.dtype)


_HEAVISIDE = _reg("heaviside", _heaviside_fn, differentiable=False)


def heaviside(input, values, *, out=None):
    """Heaviside step: 0 below 0, values at 0, 1 above (torch.heaviside)."""
    return _out(dispatch(_HEAVISIDE, (input, values)), out)


def _logaddexp_fn(base2, a, b):
    from .pointwise import _bshape
    _bshape(a, b)
    (a, b), rt = promote(a, b)
    if rt._cat < 2:
        raise _nie("logaddexp2_cpu" if base2 else "logaddexp_cpu", rt)
    if base2:
        return jnp.logaddexp2(a, b)
    return jnp.logaddexp(a, b)


_LOGADDEXP = _reg("logaddexp", _logaddexp_fn)


def logaddexp(input, other, *, out=None):
    """log(exp(input) + exp(other)) (torch.logaddexp)."""
    return _out(dispatch(_LOGADDEXP, (input, other), (False,)), out)


def logaddexp2(input, other, *, out=None):
    """log2(2**input + 2**other) (torch.logaddexp2)."""
    return _out(dispatch(_LOGADDEXP, (input, other), (True,)), out)


TORCH_NAMES += ["gcd", "lcm", "frexp", "heaviside", "logaddexp", "logaddexp2"]
METHODS.update(gcd=gcd, lcm=lcm, frexp=frexp, heaviside=heaviside, logaddexp=logaddexp,
               logaddexp2=logaddexp2)


# ---- orthogonal polynomials (torch's recurrences; n is a tensor or a number) ---------------------

def _poly_fn(kind, x, n):
    (x, n), rt = promote(x, n)
    if rt._cat == 3:
        raise _nie(kind, rt)
    x = to_float(x)
    n = to_float(n)
    dt = x.dtype
    x, n = jnp.broadcast_arrays(x, n)
    # NOTE: torch casts n to int64 (truncation); hermite maps inf/nan n to -1.
    ni = jnp.where(jnp.isfinite(n), n, -1).astype(jnp.int64)
    one = jnp.ones((), dt)
    shifted = kind.startswith("shifted_")
    base = kind[len("shifted_"):] if shifted else kind
    if shifted:
        x = x + x - 1
    if base in ("chebyshev_polynomial_t", "legendre_polynomial_p"):
        p0, p1 = jnp.ones_like(x), x
    elif base == "chebyshev_polynomial_u":
        p0, p1 = jnp.ones_like(x), x + x
    elif base == "chebyshev_polynomial_v":
        p0, p1 = jnp.ones_like(x), x + x - 1
    elif base == "chebyshev_polynomial_w":
        p0, p1 = jnp.ones_like(x), x + x + 1
    elif base == "hermite_polynomial_h":
        p0, p1 = jnp.ones_like(x), x + x
    elif base == "hermite_polynomial_he":
        p0, p1 = jnp.ones_like(x), x
    elif base == "laguerre_polynomial_l":
        p0, p1 = jnp.ones_like(x), 1 - x
    else:
        raise AssertionError(kind)

    def step(k, p, q):  # p_{k-1}, p_k -> p_{k+1}
        kf = k.astype(dt)
        if base.startswith("chebyshev"):
            return (x + x) * q - p
        if base == "hermite_polynomial_h":
            return (x + x) * q - (kf + kf) * p
        if base == "hermite_polynomial_he":
            return x * q - kf * p
        if base == "laguerre_polynomial_l":
            return ((kf + kf + (1 - x)) * q - kf * p) / (kf + 1)
        return ((kf + kf + 1) * x * q - kf * p) / (kf + 1)  # legendre

    nmax = jnp.max(jnp.where(ni >= 1, ni, 1)) if ni.size else jnp.asarray(1, jnp.int64)

    def body(state):
        k, p, q = state
        r = step(k, p, q)
        live = k < ni
        return k + 1, jnp.where(live, q, p), jnp.where(live, r, q)
    _, _, res = lax.while_loop(lambda s: s[0] < nmax, body, (jnp.asarray(1, jnp.int64), p0, p1))
    res = jnp.where(ni == 0, one, res)
    res = jnp.where(ni < 0, 0, res)
    ax = jnp.abs(x)
    even = ni % 2 == 0
    nf = ni.astype(dt)
    if base in ("chebyshev_polynomial_t", "legendre_polynomial_p"):
        edge = jnp.where((x > 0) | even, one, -one)
        res = jnp.where((ax == 1) & (ni >= 0), edge, res)
        if base == "chebyshev_polynomial_t":
            res = jnp.where((ni > 6) & (ax < 1), jnp.cos(nf * jnp.arccos(x)), res)
    elif base == "chebyshev_polynomial_u":
        edge = jnp.where((x > 0) | even, nf + 1, -(nf + 1))
        res = jnp.where((ax == 1) & (ni >= 0), edge, res)
        t = jnp.arccos(x)
        trig = jnp.sin((nf + 1) * t) / jnp.sin(t)
        res = jnp.where((ni > 8) & (ax < 1) & (jnp.sin(t) != 0), trig, res)
    elif base == "chebyshev_polynomial_v":
        edge = jnp.where(x > 0, one, jnp.where(even, nf + nf + 1, -(nf + nf + 1)))
        res = jnp.where((ax == 1) & (ni >= 0), edge, res)
        t = jnp.arccos(x)
        trig = jnp.cos((nf + 0.5) * t) / jnp.cos(t / 2)
        res = jnp.where((ni > 8) & (ax < 1) & (jnp.sin(t / 2) != 1), trig, res)
    elif base == "chebyshev_polynomial_w":
        edge = jnp.where(x > 0, nf + nf + 1, jnp.where(even, one, -one))
        res = jnp.where((ax == 1) & (ni >= 0), edge, res)
        t = jnp.arccos(x)
        trig = jnp.sin((nf + 0.5) * t) / jnp.sin(t / 2)
        res = jnp.where((ni > 8) & (ax < 1) & (jnp.cos(t / 2) != 1), trig, res)
    elif base == "laguerre_polynomial_l":
        res = jnp.where((x == 0) & (ni >= 0), one, res)
    elif base.startswith("hermite"):
        # NOTE: torch's getHermitianLimit: NaN beyond n = 128 (float32) / 512 (float64).
        lim = 128 if dt == jnp.float32 else 512
        res = jnp.where(ni > lim, jnp.nan, res)
    return res.astype(dt)


_POLY_NAMES = ["chebyshev_polynomial_t", "chebyshev_polynomial_u", "chebyshev_polynomial_v",
               "chebyshev_polynomial_w", "hermite_polynomial_h", "hermite_polynomial_he",
               "laguerre_polynomial_l", "legendre_polynomial_p", "shifted_chebyshev_polynomial_t",
               "shifted_chebyshev_polynomial_u", "shifted_chebyshev_polynomial_v",
               "shifted_chebyshev_polynomial_w"]


def _def_poly(name):
    o = _reg("special_" + name, lambda x, n: _poly_fn(name, x, n), differentiable=False)

    def f(input, n, *, out=None):
        return _out(dispatch(o, (input, n)), out)
    f.__name__ = name
    f.__doc__ = f"{name.replace('_', ' ')} of degree n at input (torch.special.{name})."
    __all__.append(name)
    globals()[name] = f


for _n in _POLY_NAMES:
    _def_poly(_n)


# ---- complex numbers ----------------------------------------------------------------------------

def _complex_fn(re, im):
    if re.dtype != im.dtype:
        raise RuntimeError(f"Expected object of scalar type {torch_name(D.from_np(re.dtype))} "
                           f"but got scalar type {torch_name(D.from_np(im.dtype))} for second "
                           f"argument")
    if re.dtype not in (jnp.float32, jnp.float64, jnp.float16):
        raise RuntimeError(f"Expected both inputs to be Half, Float or Double tensors but got "
                           f"{torch_name(D.from_np(re.dtype))} and "
                           f"{torch_name(D.from_np(im.dtype))}")
    return lax.complex(*jnp.broadcast_arrays(re, im))


def _polar_fn(absv, ang):
    r = _complex_fn(absv, ang)  # NOTE: same dtype checks as torch.complex
    del r
    return lax.complex(*jnp.broadcast_arrays(absv * jnp.cos(ang), absv * jnp.sin(ang)))


_COMPLEX = _reg("complex", _complex_fn)
_POLAR = _reg("polar", _polar_fn)


def complex(real, imag, *, out=None):
    """real + 1j * imag (torch.complex)."""
    return _out(dispatch(_COMPLEX, (real, imag)), out)


def polar(abs, angle, *, out=None):
    """abs * (cos(angle) + 1j sin(angle)) (torch.polar)."""
    return _out(dispatch(_POLAR, (abs, angle)), out)


def _view_as_real_fn(x):
    if not jnp.iscomplexobj(x):
        raise RuntimeError("view_as_real is only supported for complex tensors")
    return jnp.stack([jnp.real(x), jnp.imag(x)], -1)


def _view_as_complex_fn(x):
    if x.dtype not in (jnp.float32, jnp.float64, jnp.float16):
        raise RuntimeError(f"view_as_complex is only supported for floating point tensors, but "
                           f"got a tensor of scalar type: {torch_name(D.from_np(x.dtype))}")
    if x.ndim == 0 or x.shape[-1] != 2:
        raise RuntimeError("Tensor must have a last dimension of size 2")
    return lax.complex(x[..., 0], x[..., 1])


_VAR = _reg("view_as_real", _view_as_real_fn, grad_name="ViewAsRealBackward0")
_VAC = _reg("view_as_complex", _view_as_complex_fn, grad_name="ViewAsComplexBackward0")


def view_as_real(input):
    """Complex tensor -> real tensor with a trailing dim of 2 (torch.view_as_real; a copy)."""
    return dispatch(_VAR, (input,))


def view_as_complex(input):
    """Real tensor with a trailing dim of 2 -> complex tensor (torch.view_as_complex; a copy)."""
    return dispatch(_VAC, (input,))


def _angle_fn(x):
    d = D.from_np(x.dtype)
    if d._cat == 3:
        return jnp.angle(x)
    x = to_float(x)
    # NOTE: torch: pi for negative reals, 0 otherwise, NaN propagates.
    return jnp.where(jnp.isnan(x), x, jnp.where(x < 0, jnp.pi, 0).astype(x.dtype))


_ANGLE = _reg("angle", _angle_fn)


def angle(input, *, out=None):
    """Elementwise argument (phase) (torch.angle)."""
    return _out(dispatch(_ANGLE, (input,)), out)


def _real_fn(x):
    return jnp.real(x)


def _imag_fn(x):
    if not jnp.iscomplexobj(x):
        raise RuntimeError("imag is not implemented for tensors with non-complex dtypes.")
    return jnp.imag(x)


_REAL = _reg("real", _real_fn)
_IMAG = _reg("imag", _imag_fn)
_CONJ = _reg("conj_physical", lambda x: jnp.conj(x) if jnp.iscomplexobj(x) else x)


def real(input):
    """Real part (torch.real; a copy for complex input, input itself otherwise)."""
    if not input.dtype.is_complex:
        return input
    return dispatch(_REAL, (input,))


def imag(input):
    """Imaginary part of a complex tensor (torch.imag; a copy)."""
    return dispatch(_IMAG, (input,))


def conj_physical(input, *, out=None):
    """Complex conjugate, materialised (torch.conj_physical)."""
    return _out(dispatch(_CONJ, (input,)), out)


def conj(input):
    """Complex conjugate (torch.conj; a copy, jtorch has no lazy conjugate bit)."""
    if not input.dtype.is_complex:
        return input
    return dispatch(_CONJ, (input,))


def resolve_conj(input):
    """input itself (jtorch never sets a lazy conjugate bit) (torch.resolve_conj)."""
    return input


def resolve_neg(input):
    """input itself (jtorch never sets a lazy negative bit) (torch.resolve_neg)."""
    return input


def is_conj(input):
    """False: jtorch conjugates eagerly (torch.is_conj)."""
    return False


def is_neg(input):
    """False: jtorch negates eagerly (torch.is_neg)."""
    return False


TORCH_NAMES += ["complex", "polar", "view_as_real", "view_as_complex", "angle", "real", "imag",
                "conj", "conj_physical", "resolve_conj", "resolve_neg", "is_conj", "is_neg"]
METHODS.update(angle=angle, conj=conj, conj_physical=conj_physical, resolve_conj=resolve_conj,
               resolve_neg=resolve_neg, is_conj=is_conj, is_neg=is_neg)
