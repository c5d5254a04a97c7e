"""Gradients flow for every floating dtype, bfloat16 included (an ml_dtypes 'V'-kind dtype)."""
import numpy as np
import pytest
import torch

import jtorch
from _harness import assert_same


@pytest.mark.parametrize("name", ["float16", "bfloat16", "float32", "float64"])
def test_backward_in_each_float_dtype(name):
    a = np.array([0.5, -1.25, 2.0], np.float32)
    jx = jtorch.tensor(a, dtype=getattr(jtorch, name), requires_grad=True)
    tx = torch.tensor(a, dtype=getattr(torch, name), requires_grad=True)
    jy, ty = (jx * 2).sin().sum(), (tx * 2).sin().sum()
    assert jy.requires_grad and jy.grad_fn.name() == ty.grad_fn.name()
    jy.backward()
    ty.backward()
    assert_same(jx.grad, tx.grad)


def test_bfloat16_module_trains():
    m = jtorch.nn.Linear(3, 2).bfloat16()
    out = m(jtorch.randn(4, 3, dtype=jtorch.bfloat16)).sum()
    out.backward()
    assert m.weight.grad is not None and m.weight.grad.dtype is jtorch.bfloat16


def test_complex_gradients_follow_torchs_convention():
    a = np.array([1 + 2j, -0.5 + 0.3j], np.complex64)
    cases = [lambda z, L: L.abs(z).sum(), lambda z, L: L.real(z * z).sum(),
             lambda z, L: L.view_as_real(z.exp()).sum()]
    for f in cases:
        jz = jtorch.tensor(a, requires_grad=True)
        tz = torch.tensor(a, requires_grad=True)
        f(jz, jtorch).backward()
        f(tz, torch).backward()
        assert_same(jz.grad, tz.grad)
