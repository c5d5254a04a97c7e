"""Checks shared by the distribution-vs-torch test modules (jtorch side `j`, torch side `t`)."""
import numpy as np
import pytest

from ._cases import close, to_np, torch

PROPS = ["mean", "variance", "stddev", "mode", "entropy"]


def grads_close(jl, tl, **tol):
    """The leaves' gradients match torch's (a torch None allows a jtorch None or zeros)."""
    for k in tl:
        if tl[k].grad is None:
            assert jl[k].grad is None or not to_np(jl[k].grad).any(), k
        else:
            close(jl[k].grad, tl[k].grad, **tol)


def get_prop(d, prop):
    """A property's value, calling it when it is a method (entropy)."""
    r = getattr(d, prop)
    return r() if callable(r) else r


def ks_2samp(a, b):
    """The two-sample Kolmogorov-Smirnov statistic sup |F_a - F_b|."""
    grid = np.sort(np.concatenate([a, b]))
    fa = np.searchsorted(np.sort(a), grid, side="right") / len(a)
    fb = np.searchsorted(np.sort(b), grid, side="right") / len(b)
    return np.abs(fa - fb).max()


def same_error(fj, ft, exc=ValueError):
    """fj and ft both raise `exc` with the same message."""
    with pytest.raises(exc) as et:
        ft()
    with pytest.raises(exc) as ej:
        fj()
    assert str(ej.value) == str(et.value)


def check_shapes_and_repr(j, t):
    """Same class name, mro, module, shapes, repr, has_rsample, support and arg_constraints."""
    assert type(j).__name__ == type(t).__name__
    assert [c.__name__ for c in type(j).__mro__] == [c.__name__ for c in type(t).__mro__]
    assert type(j).__module__.replace("jtorch", "torch") == type(t).__module__
    assert tuple(j.batch_shape) == tuple(t.batch_shape)
    assert tuple(j.event_shape) == tuple(t.event_shape)
    assert repr(j) == repr(t)
    assert j.has_rsample == t.has_rsample
    assert repr(j.support) == repr(t.support)
    assert {k: repr(v) for k, v in j.arg_constraints.items()} == \
        {k: repr(v) for k, v in t.arg_constraints.items()}


def check_moments(j, t, jl, tl, tol, same_runtime_error=False):
    """PROPS match torch's values, dtypes and NotImplementedErrors (and, if asked, RuntimeErrors),
    then one backward through their sum matches torch's leaf gradients."""
    # NOTE: one backward through the sum of the differentiable, finite properties (each tape
    # compiles once, so one per case keeps the test fast); values are compared one by one.
    tot_j, tot_t = 0, 0
    for prop in PROPS:
        try:
            rt = get_prop(t, prop)
        except NotImplementedError:
            with pytest.raises(NotImplementedError):
                get_prop(j, prop)
            continue
        except RuntimeError as e:
            if not same_runtime_error:
                raise
            with pytest.raises(RuntimeError) as ej:
                get_prop(j, prop)
            assert str(ej.value) == str(e), prop
            continue
        rj = get_prop(j, prop)
        assert str(rj.dtype) == str(rt.dtype), prop
        close(rj, rt, **tol)
        if rt.requires_grad and prop != "mode" and bool(torch.isfinite(rt).all()):
            tot_t, tot_j = tot_t + rt.sum(), tot_j + rj.sum()
    if isinstance(tot_t, torch.Tensor):
        tot_t.backward()
        tot_j.backward()
        grads_close(jl, tl, rtol=1e-4, atol=1e-6)


def expand_pair(j, t):
    """j and t expanded by a leading 2, after checking the expanded types, shapes and flags."""
    shape = (2,) + tuple(t.batch_shape)
    je, te = j.expand(shape), t.expand(shape)
    assert type(je) is type(j)
    assert tuple(je.batch_shape) == tuple(te.batch_shape) == shape
    assert tuple(je.event_shape) == tuple(te.event_shape)
    assert je._validate_args == te._validate_args
    return je, te


def check_samples(sj, st, t, n):
    """Samples of `n` draws: same shape and dtype, no grad, in t's support, and each entry's
    marginal close to torch's in two-sample KS statistic."""
    assert tuple(sj.shape) == tuple(st.shape) and str(sj.dtype) == str(st.dtype)
    assert not sj.requires_grad
    assert bool(t.support.check(torch.tensor(to_np(sj))).all())
    xj, xt = to_np(sj).reshape(n, -1), to_np(st).reshape(n, -1)
    # NOTE: samples cannot match bit for bit (different generators): each entry's two-sample KS
    # statistic instead; 0.05 is above the 0.1% critical value 1.95 * sqrt(2 / N) = 0.044
    # (N = 4000), while a wrong df / scale / shape / location gives >> 0.05.
    for col in range(xj.shape[1]):
        assert ks_2samp(xj[:, col], xt[:, col]) < 0.05, col
    return xj
