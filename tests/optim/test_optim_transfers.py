"""An eager optimizer step copies nothing host->device once warm (its hyper-parameter vector
stays on the parameters' device while the values stay), and a changed lr still takes effect."""
import jax
import numpy as np
import pytest
import torch

import jtorch

from ._util import assert_params_close, grad_sequence, init_arrays, make_params, set_grads

CASES = [("Adam", dict(lr=0.01)), ("AdamW", dict(lr=0.01, amsgrad=True)),
         ("SGD", dict(lr=0.05, momentum=0.9)), ("NAdam", dict(lr=0.01)),
         ("RMSprop", dict(lr=0.01, centered=True)), ("Adagrad", dict(lr=0.1))]


@pytest.mark.parametrize("name,kw", CASES, ids=[c[0] for c in CASES])
def test_step_copies_nothing_to_device_and_follows_lr(name, kw):
    arrays, grads = init_arrays(), grad_sequence(6)
    tp, jp = make_params(torch, arrays), make_params(jtorch, arrays)
    topt, jopt = getattr(torch.optim, name)(tp, **kw), getattr(jtorch.optim, name)(jp, **kw)
    for i, g in enumerate(grads):
        if i == 3:  # NOTE: a new lr must reach the update (the placed vector is refreshed)
            for o in (topt, jopt):
                o.param_groups[0]["lr"] *= 0.5
        set_grads(torch, tp, g)
        set_grads(jtorch, jp, g)
        topt.step()
        if i in (2, 5):  # NOTE: warm steps with unchanged hyper-parameters
            with jax.transfer_guard_host_to_device("disallow"):
                jopt.step()
        else:
            jopt.step()
    assert_params_close(jp, tp)


def test_eager_training_step_copies_nothing_to_device():
    jtorch.manual_seed(0)
    model = jtorch.nn.Sequential(jtorch.nn.Linear(6, 8), jtorch.nn.ReLU(),
                                 jtorch.nn.Linear(8, 3))
    opt = jtorch.optim.Adam(model.parameters(), lr=1e-3)
    rng = np.random.default_rng(0)
    x = jtorch.tensor(rng.standard_normal((5, 6)).astype(np.float32))
    y = jtorch.tensor(rng.integers(0, 3, 5))

    def step():
        opt.zero_grad()
        loss = jtorch.nn.functional.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        return loss

    before = [step().item() for _ in range(2)]
    with jax.transfer_guard_host_to_device("disallow"):
        step()
    assert before[1] < before[0]
