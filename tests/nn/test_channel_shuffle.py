"""nn.ChannelShuffle and F.channel_shuffle / F.native_channel_shuffle vs torch."""
import pytest
import torch

import jtorch
from _harness import assert_same, assert_same_raise, make_array, pair


@pytest.mark.parametrize("fn", ["channel_shuffle", "native_channel_shuffle"])
@pytest.mark.parametrize("shape,groups", [((2, 6, 3), 3), ((2, 6, 3, 2), 2), ((1, 4, 2, 2, 2), 4),
                                          ((2, 6, 3), 1), ((2, 0, 3), 2), ((0, 4, 1), 2)])
def test_functional(fn, shape, groups):
    # NOTE: torch has no derivative for native_channel_shuffle (backward raises); jtorch's is
    # differentiable, so only channel_shuffle's gradients are compared.
    grad = fn == "channel_shuffle"
    j, t = pair(make_array(shape), requires_grad=grad)
    jo = getattr(jtorch.nn.functional, fn)(j, groups)
    to = getattr(torch.nn.functional, fn)(t, groups)
    assert_same(jo, to)
    if grad and to.numel():
        g = make_array(shape, seed=1)
        (jo * jtorch.tensor(g)).sum().backward()
        (to * torch.tensor(g)).sum().backward()
        assert_same(j.grad, t.grad)
    if grad:
        assert jo.grad_fn.name() == to.grad_fn.name() == "ChannelShuffleBackward0"


@pytest.mark.parametrize("dtype", ["int64", "bool", "float64"])
def test_dtypes(dtype):
    j, t = pair(make_array((2, 4, 3), dtype=dtype), dtype=dtype)
    assert_same(jtorch.nn.functional.channel_shuffle(j, 2),
                torch.nn.functional.channel_shuffle(t, 2))


@pytest.mark.parametrize("shape,groups", [((2, 6, 3), 0), ((2, 6, 3), -1), ((2, 6, 3), 4),
                                          ((2, 6), 3), ((6,), 2), ((2, 6), 0)])
def test_errors(shape, groups):
    j, t = pair(make_array(shape))
    assert_same_raise(lambda: jtorch.nn.functional.channel_shuffle(j, groups),
                      lambda: torch.nn.functional.channel_shuffle(t, groups), contains=(
                          str(_torch_msg(t, groups)),))


def _torch_msg(t, groups):
    try:
        torch.nn.functional.channel_shuffle(t, groups)
    except RuntimeError as e:
        return str(e)


def test_module():
    jm, tm = jtorch.nn.ChannelShuffle(3), torch.nn.ChannelShuffle(3)
    assert repr(jm) == repr(tm) == "ChannelShuffle(groups=3)"
    assert list(jm.state_dict()) == [] and jtorch.nn.ChannelShuffle.__module__.endswith(
        "nn.modules.channelshuffle")
    j, t = pair(make_array((2, 6, 4, 4)), requires_grad=True)
    jo, to = jm(j), tm(t)
    assert_same(jo, to)
    jo.sum().backward()
    to.sum().backward()
    assert_same(j.grad, t.grad)
