"""jtorch.random (torch.random) delegates to the default generator; fork_rng restores it."""
import torch

import jtorch
import jtorch.random as jr


def test_names_match_torch():
    for name in jr.__all__:
        assert hasattr(torch.random, name), name
    assert jr.manual_seed is jtorch.manual_seed
    assert jr.get_rng_state is jtorch.get_rng_state


def test_manual_seed_initial_seed():
    for lib in (jr, torch.random):
        g = lib.manual_seed(1234)
        assert lib.initial_seed() == 1234
        assert type(g).__name__ == "Generator"


def test_seed_roundtrip_state():
    jr.manual_seed(0)
    state = jr.get_rng_state()
    a = jtorch.rand(3)
    jr.set_rng_state(state)
    assert jtorch.equal(jtorch.rand(3), a)
    assert isinstance(jr.seed(), int)


def _fork_check(lib, rand, **kw):
    lib.manual_seed(7)
    with lib.fork_rng(**kw):
        inside = rand(4)
    after = rand(4)
    return bool((inside == after).all())


def test_fork_rng_restores_like_torch():
    assert _fork_check(jr, jtorch.rand) == _fork_check(torch.random, torch.rand) is True
    assert (_fork_check(jr, jtorch.rand, devices=[])
            == _fork_check(torch.random, torch.rand, devices=[]) is True)
    assert (_fork_check(jr, jtorch.rand, enabled=False)
            == _fork_check(torch.random, torch.rand, enabled=False) is False)


def test_fork_rng_restores_on_exception():
    jr.manual_seed(3)
    state = jr.get_rng_state()
    try:
        with jr.fork_rng():
            jtorch.rand(2)
            raise KeyError
    except KeyError:
        pass
    assert jtorch.equal(jr.get_rng_state(), state)
