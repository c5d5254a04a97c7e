"""LBFGS (with and without strong-Wolfe line search) against torch.optim.LBFGS."""
import numpy as np
import pytest
import torch

import jtorch

from ._util import assert_params_close, state_to_numpy

# NOTE: a Rosenbrock valley (x, y) from far away: many L-BFGS iterations before convergence, so
# the comparison is not decided by tolerance checks on near-zero quantities (where float rounding
# of the two libraries' gradients could flip an early exit).
# In float32 the valley's ill-conditioning amplifies one-ulp gradient differences over many
# iterations (measured: ~1e-4 after 16 iterations, while float64 agrees to 1e-12), so long runs
# are compared in float64 and float32 runs are kept short.
X0 = np.array([-1.5])
Y0 = np.array([2.0])


def _run(lib, n_steps, dtype=np.float32, **kwargs):
    x = lib.tensor(X0.astype(dtype), requires_grad=True)
    y = lib.tensor(Y0.astype(dtype), requires_grad=True)
    opt = lib.optim.LBFGS([x, y], **kwargs)

    def closure():
        opt.zero_grad()
        loss = ((1 - x) ** 2 + 100 * (y - x ** 2) ** 2).sum()
        loss.backward()
        return loss
    losses = [float(opt.step(closure).detach()) for _ in range(n_steps)]
    return [x, y], losses, opt


@pytest.mark.parametrize("dtype,n_steps,tol", [(np.float64, 4, 1e-9), (np.float32, 1, 1e-5)],
                         ids=["float64", "float32"])
@pytest.mark.parametrize("kwargs", [
    dict(lr=0.1, max_iter=4, history_size=3),
    dict(lr=1, max_iter=4, history_size=3, line_search_fn="strong_wolfe"),
    dict(lr=1, max_iter=12, line_search_fn="strong_wolfe"),
], ids=["fixed-step", "strong-wolfe", "strong-wolfe-long"])
def test_lbfgs_trajectory(kwargs, dtype, n_steps, tol):
    jp, jl, jo = _run(jtorch, n_steps, dtype, **kwargs)
    tp, tl, to = _run(torch, n_steps, dtype, **kwargs)
    assert_params_close(jp, tp, rtol=tol, atol=tol)
    np.testing.assert_allclose(jl, tl, rtol=tol, atol=tol)
    js, ts = state_to_numpy(jo.state_dict()), state_to_numpy(to.state_dict())
    assert js["param_groups"] == ts["param_groups"]
    assert list(js["state"][0]) == list(ts["state"][0])
    assert js["state"][0]["func_evals"] == ts["state"][0]["func_evals"]
    assert js["state"][0]["n_iter"] == ts["state"][0]["n_iter"]
    assert len(js["state"][0]["old_dirs"]) == len(ts["state"][0]["old_dirs"])


def test_lbfgs_line_search_differs_from_fixed_step():
    """The strong-Wolfe path is really taken (it ends elsewhere than the fixed step)."""
    a, _, _ = _run(jtorch, 1, lr=1, max_iter=3, line_search_fn="strong_wolfe")
    b, _, _ = _run(jtorch, 1, lr=1, max_iter=3)
    c, _, _ = _run(torch, 1, lr=1, max_iter=3, line_search_fn="strong_wolfe")
    assert_params_close(a, c)
    assert not np.allclose(a[0].detach().numpy(), b[0].detach().numpy())


def test_lbfgs_errors():
    p = jtorch.zeros(2, requires_grad=True)
    with pytest.raises(ValueError, match="Invalid learning rate: -1"):
        jtorch.optim.LBFGS([p], lr=-1)
    opt = jtorch.optim.LBFGS([p], line_search_fn="armijo")

    def closure():
        opt.zero_grad()
        loss = ((p - 1) ** 2).sum()
        loss.backward()
        return loss
    with pytest.raises(RuntimeError, match="only 'strong_wolfe' is supported"):
        opt.step(closure)
