"""In-place samplers (Tensor.uniform_, normal_, bernoulli_, exponential_, geometric_, log_normal_,
cauchy_, random_) drawn on device from the jtorch Generator's JAX key."""
import builtins
import functools
import warnings

import jax
import jax.numpy as jnp
import numpy as np

from .. import _dtype as D
from .. import _random as R
from .._tensor import Tensor, wrap
from ._common import inplace_from, torch_name
from .registry import Op, dispatch

__all__ = ["uniform_", "normal_", "exponential_", "geometric_", "log_normal_", "cauchy_",
           "bernoulli_", "random_"]

# NOTE: C++ type names torch's range checks print.
_CXX = {"bool": "bool", "uint8": "unsigned char", "int8": "signed char", "int16": "short",
        "int32": "int", "int64": "long", "float16": "c10::Half", "bfloat16": "c10::BFloat16",
        "float32": "float", "float64": "double"}
# NOTE: the long C++ names the Cauchy/geometric dtype messages use ("long int").
_CXX_LONG = dict(_CXX, int64="long int", int16="short int")
# NOTE: mantissa digits: random_()'s default upper bound for floats is 2**digits (inclusive).
_DIGITS = {"float16": 11, "bfloat16": 8, "float32": 24, "float64": 53}


def _wide(np_dtype):
    """The float type samples are drawn in (float32 for halves, float64 for float64)."""
    return jnp.float64 if np_dtype == np.float64 else jnp.float32


@functools.lru_cache(maxsize=None)
def _sampler(kind, shape, np_dtype):
    """A compiled f(key, *params) -> array(shape, np_dtype); params are traced scalars."""
    wide = _wide(np_dtype)

    def f(key, *p):
        if kind == "uniform":
            a, b = p
            return (a + (b - a) * jax.random.uniform(key, shape, wide)).astype(np_dtype)
        if kind == "normal":
            m, s = p
            return (m + s * jax.random.normal(key, shape, wide)).astype(np_dtype)
        if kind == "log_normal":
            m, s = p
            return jnp.exp(m + s * jax.random.normal(key, shape, wide)).astype(np_dtype)
        if kind == "exponential":
            (lam,) = p
            return (jax.random.exponential(key, shape, wide) / lam).astype(np_dtype)
        if kind == "cauchy":
            m, s = p
            return (m + s * jax.random.cauchy(key, shape, wide)).astype(np_dtype)
        if kind == "geometric":
            (prob,) = p
            # NOTE: inverse CDF; u in (0, 1] so log(u) is finite; result >= 1 (trials count).
            u = 1.0 - jax.random.uniform(key, shape, jnp.float64)
            k = jnp.floor(jnp.log(u) / jnp.log1p(-prob)) + 1.0
            return k.astype(np_dtype)
        if kind == "bernoulli":
            (prob,) = p
            wp = prob.astype(jnp.float64 if prob.dtype == jnp.float64 else jnp.float32)
            return (jax.random.uniform(key, shape, wp.dtype) < wp).astype(np_dtype)
        if kind == "random":
            lo, span = p  # uint64 scalars; span == 0 means the full 2**64 range
            bits = jax.random.bits(key, shape, jnp.uint64)
            r = jnp.where(span == 0, bits, bits % jnp.where(span == 0, 1, span))
            v = jax.lax.bitcast_convert_type(r + lo, jnp.int64)
            return v.astype(np_dtype)
        raise AssertionError(kind)
    return jax.jit(f)


# NOTE: overwriting a tensor that requires grad goes through an op (self, sample) -> sample, so
# autograd records it like torch (UniformBackward0, ...): the gradient to the old value is zero.
_OVERWRITE = {k: Op(k + "_", lambda x, s: s, grad_name=g + "Backward0") for k, g in (
    ("uniform", "Uniform"), ("normal", "Normal"), ("log_normal", "LogNormal"),
    ("exponential", "Exponential"), ("cauchy", "Cauchy"), ("geometric", "Geometric"),
    ("bernoulli", "Bernoulli"), ("random", "Random"))}


def _fill(self, kind, generator, *params):
    key = R.next_key(generator)
    arr = _sampler(kind, tuple(self.shape), self.dtype._np)(key, *params)
    from ..autograd.grad_mode import is_grad_enabled
    if self.requires_grad and is_grad_enabled():
        return inplace_from(self, dispatch(_OVERWRITE[kind], (self, wrap(arr))))
    return inplace_from(self, wrap(arr))


def _need_float(self, what):
    if self.dtype._cat != 2:
        raise NotImplementedError(f"\"{what}\" not implemented for '{torch_name(self.dtype)}'")


def _continuous(self, name, cxx=False):
    if self.dtype._cat != 2:
        tn = _CXX_LONG.get(self.dtype._name, self.dtype._name) if cxx else torch_name(self.dtype)
        raise RuntimeError(f"{name} distribution is a continuous probability distribution. dtype "
                           f"must be a floating point but you specified {tn}")


def _g(x):
    """A float formatted as torch's messages print it (2 not 2.0)."""
    return f"{x:g}"


def uniform_(self, from_=0.0, to=1.0, *, generator=None, **kw):
    """Fill with U(from, to)."""
    from_ = kw.pop("from", from_)
    if kw:
        raise TypeError(f"uniform_() got an unexpected keyword argument '{next(iter(kw))}'")
    _need_float(self, "check_uniform_bounds")
    if from_ > to:
        raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found "
                           f"from={_g(from_)} > to={_g(to)}")
    return _fill(self, "uniform", generator, float(from_), float(to))


def normal_(self, mean=0.0, std=1.0, *, generator=None):
    """Fill with N(mean, std**2)."""
    _need_float(self, "normal_kernel_cpu")
    if std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {_g(std)}")
    return _fill(self, "normal", generator, float(mean), float(std))


def log_normal_(self, mean=1.0, std=2.0, *, generator=None):
    """Fill with exp(N(mean, std**2))."""
    if not std > 0:
        raise RuntimeError(f"log_normal_ expects std > 0.0, but found std={_g(std)}")
    _need_float(self, "log_normal_cpu")
    return _fill(self, "log_normal", generator, float(mean), float(std))


def exponential_(self, lambd=1.0, *, generator=None):
    """Fill with Exponential(lambd) samples."""
    if not lambd > 0:
        raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={_g(lambd)}")
    _continuous(self, "Exponential")
    return _fill(self, "exponential", generator, float(lambd))


def cauchy_(self, median=0.0, sigma=1.0, *, generator=None):
    """Fill with Cauchy(median, sigma) samples."""
    if not sigma > 0:
        raise RuntimeError(f"cauchy_ expects sigma > 0.0, but found sigma={_g(sigma)}")
    _continuous(self, "Cauchy", cxx=True)
    return _fill(self, "cauchy", generator, float(median), float(sigma))


def geometric_(self, p, *, generator=None):
    """Fill with Geometric(p) samples (number of trials to the first success, >= 1)."""
    if not 0 < p < 1:
        raise RuntimeError(f"geometric_ expects p to be in (0, 1), but got p={_g(p)}")
    return _fill(self, "geometric", generator, float(p))


def bernoulli_(self, p=0.5, *, generator=None):
    """Fill with 0/1 draws of probability p (a float or a tensor broadcast to self)."""
    if isinstance(p, Tensor):
        from .random import _concrete
        a = _concrete(p)
        if a is not None and not builtins.bool(((a >= 0) & (a <= 1)).all()):
            raise RuntimeError("Expected p_in >= 0 && p_in <= 1 to be true, but got false.")
        pa = p._arr()
        if not jnp.issubdtype(pa.dtype, jnp.floating):
            pa = pa.astype(jnp.float32)
        pa = jnp.broadcast_to(pa, tuple(self.shape))
    else:
        if not 0 <= p <= 1:
            raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={_g(p)}")
        pa = jnp.asarray(float(p), jnp.float64 if self.dtype is D.float64 else jnp.float32)
    return _fill(self, "bernoulli", generator, pa)


def _bounds(d):
    """(lowest, highest) finite value of dtype d, as Python numbers."""
    if d is D.bool:
        return 0, 1
    if d._cat == 2:
        return -float(jnp.finfo(d._np).max), float(jnp.finfo(d._np).max)
    return int(np.iinfo(d._np).min), int(np.iinfo(d._np).max)


_UNSET = object()


def random_(self, from_=_UNSET, to=_UNSET, *, generator=None, **kw):
    """Fill with integers uniform on [from, to) (torch's defaults per dtype when to is None)."""
    if "from" in kw:
        from_ = kw.pop("from")
    if "to" in kw:
        to = kw.pop("to")
    if kw:
        raise TypeError(f"random_() got an unexpected keyword argument '{next(iter(kw))}'")
    d = self.dtype
    if d._cat > 2:
        raise NotImplementedError(f"\"random_\" not implemented for '{torch_name(d)}'")
    lo_b, hi_b = _bounds(d)
    top = (2 ** _DIGITS[d._name] + 1) if d._cat == 2 else hi_b + 1
    if from_ is _UNSET and to is _UNSET:
        lo, hi = 0, top
    else:
        if to is _UNSET:  # random_(to)
            lo, hi = 0, int(from_)
        elif to is None:  # random_(from, None): up to the dtype's default top
            lo, hi = int(from_), top
        else:
            lo, hi = int(0 if from_ is _UNSET else from_), int(to)
        if lo >= hi:
            raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={lo} "
                               f">= to={hi}")
        if not lo_b <= lo <= hi_b:
            raise RuntimeError(f"from is out of bounds for {_CXX[d._name]}")
        if not lo_b <= hi - 1 <= hi_b:
            raise RuntimeError(f"to - 1 is out of bounds for {_CXX[d._name]}")
        if d._cat == 2:
            lim = 2 ** _DIGITS[d._name]
            for name, v in (("from", lo), ("to - 1", hi - 1)):
                if not -lim <= v <= lim:
                    warnings.warn(f"{name} is out of bounds [-(2^{_DIGITS[d._name]}), "
                                  f"2^{_DIGITS[d._name]}]. Due to precision limitations "
                                  f"{_CXX[d._name]} can support discrete uniform distribution "
                                  f"only within this range.", UserWarning, stacklevel=2)
    if d._cat == 2:
        lo = builtins.max(lo, -(1 << 63))
        hi = builtins.min(hi, 1 << 63)
    span = (hi - lo) % (1 << 64)  # NOTE: 0 encodes the full 64-bit range
    return _fill(self, "random", generator, np.uint64(lo % (1 << 64)), np.uint64(span))


for _n in __all__:
    setattr(Tensor, _n, globals()[_n])
del _n
