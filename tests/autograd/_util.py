"""Small helpers shared by the autograd tests: same values in both libraries, compare."""
import numpy as np
import torch

import jtorch


def pair(values, requires_grad=False, dtype="float32"):
    """The same tensor in jtorch and torch."""
    a = np.asarray(values, dtype=dtype)
    return (jtorch.tensor(a, requires_grad=requires_grad),
            torch.tensor(a, requires_grad=requires_grad))


def close(j, t, rtol=1e-5, atol=1e-6):
    """Assert a jtorch result equals a torch result (values, shape; nested tuples/lists)."""
    if isinstance(t, (tuple, list)):
        assert isinstance(j, (tuple, list)) and len(j) == len(t), (j, t)
        for a, b in zip(j, t):
            close(a, b, rtol, atol)
        return
    if isinstance(t, dict):
        assert set(j) == set(t)
        for k in t:
            close(j[k], t[k], rtol, atol)
        return
    if t is None:
        assert j is None
        return
    if not isinstance(t, torch.Tensor):
        assert j == t
        return
    assert isinstance(j, jtorch.Tensor), type(j)
    assert tuple(j.shape) == tuple(t.shape), (j.shape, t.shape)
    assert str(j.dtype) == str(t.dtype), (j.dtype, t.dtype)
    np.testing.assert_allclose(np.asarray(j.detach()._arr()), t.detach().numpy(), rtol=rtol,
                               atol=atol)


def raises_like(jfn, tfn):
    """Both calls raise the same exception class; returns (jtorch msg, torch msg)."""
    try:
        tfn()
    except Exception as e:  # noqa: BLE001
        te = e
    else:
        raise AssertionError("torch did not raise")
    try:
        jfn()
    except Exception as e:  # noqa: BLE001
        je = e
    else:
        raise AssertionError(f"jtorch did not raise (torch raised {type(te).__name__}: {te})")
    assert type(je) is type(te), (type(je), je, type(te), te)
    return str(je), str(te)


def need(*names):
    """Skip unless jtorch has all these functions (other families land in parallel)."""
    import pytest
    missing = [n for n in names if not hasattr(jtorch, n) and not hasattr(jtorch.Tensor, n)]
    if missing:
        pytest.skip(f"jtorch lacks {missing} (op family not implemented yet)")
