"""Shared helpers for the optimizer tests: the same parameters and gradients in torch and jtorch."""
import numpy as np
import torch

import jtorch

SHAPES = [(3, 4), (5,), ()]


def init_arrays(seed=0, shapes=SHAPES, dtype=np.float32):
    """Deterministic initial parameter values."""
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(s).astype(dtype) for s in shapes]


def grad_sequence(n, seed=1, shapes=SHAPES, dtype=np.float32):
    """A deterministic fake gradient sequence: n lists of arrays."""
    rng = np.random.default_rng(seed)
    return [[rng.standard_normal(s).astype(dtype) for s in shapes] for _ in range(n)]


def make_params(lib, arrays):
    """Leaf tensors requiring grad in lib (torch or jtorch) with the given values."""
    return [lib.tensor(a.copy(), requires_grad=True) for a in arrays]


def set_grads(lib, params, grads):
    """Assign grads (arrays or None) to params."""
    for p, g in zip(params, grads):
        p.grad = None if g is None else lib.tensor(g.copy())


def np_of(t):
    """A NumPy copy of a torch or jtorch tensor."""
    if isinstance(t, torch.Tensor):
        return t.detach().numpy().copy()
    return np.asarray(t.detach().numpy()).copy()


def assert_params_close(jt_params, t_params, rtol=1e-5, atol=1e-6):
    """Parameters equal to float32 rounding."""
    for i, (a, b) in enumerate(zip(jt_params, t_params)):
        np.testing.assert_allclose(np_of(a), np_of(b), rtol=rtol, atol=atol,
                                   err_msg=f"param {i}")


def state_to_numpy(state):
    """A torch or jtorch optimizer state_dict with every tensor converted to NumPy."""
    def conv(v):
        if isinstance(v, (torch.Tensor, jtorch.Tensor)):
            return np_of(v)
        if isinstance(v, dict):
            return {k: conv(x) for k, x in v.items()}
        if isinstance(v, (list, tuple)):
            return type(v)(conv(x) for x in v)
        return v
    return conv(state)
