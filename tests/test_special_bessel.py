"""torch.special Bessel / Airy functions against torch, beyond op_db's samples: every branch of the
Cephes approximations, the special points (0, +-inf, NaN, branch edges), float64, integer input."""
import numpy as np
import pytest
import torch

import jtorch
from _harness import assert_same, assert_same_raise, pair

NAMES = ["airy_ai", "bessel_j0", "bessel_j1", "bessel_y0", "bessel_y1", "modified_bessel_k0",
         "modified_bessel_k1", "scaled_modified_bessel_k0", "scaled_modified_bessel_k1"]

# NOTE: branch edges of the approximations (airy: -2.09, 2.09, 8.3203353, 103.892; J/Y: 5;
# K: 2) and a wide sweep, where airy_ai's oscillation phase is most sensitive to rounding.
_EDGES = [0.0, -0.0, 1e-6, -1e-6, 1e-5, 2.0, -2.0, 2.09, -2.09, 5.0, -5.0, 8.0, 8.3203353,
          103.892, 103.9, 700.0, 1e30, np.inf, -np.inf, np.nan]
_GRID = np.concatenate([np.linspace(-120.0, 120.0, 4001), _EDGES])


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_values_match_torch(name, dtype):
    """Values over a wide grid and at every branch edge, in float32 and float64."""
    jt, t = pair(_GRID, dtype)
    tol = 1e-5 if dtype == "float32" else 1e-12
    assert_same(getattr(jtorch.special, name)(jt), getattr(torch.special, name)(t), tol, tol)


@pytest.mark.parametrize("name", NAMES)
def test_integer_and_bool_promote_to_float(name):
    """int64 and bool inputs give float32 results like torch's."""
    for a in (np.arange(-6, 7), np.array([True, False])):
        jt, t = pair(a)
        assert_same(getattr(jtorch.special, name)(jt), getattr(torch.special, name)(t))


@pytest.mark.parametrize("name", ["bessel_j0", "modified_bessel_k1", "airy_ai"])
def test_out_and_no_grad(name):
    """out= writes the result; the ops are not differentiable (as torch, which has no formula)."""
    jt, t = pair(np.linspace(0.5, 4.0, 6), "float32")
    jo, to = jtorch.empty(6), torch.empty(6)
    getattr(jtorch.special, name)(jt, out=jo)
    getattr(torch.special, name)(t, out=to)
    assert_same(jo, to)
    x = jtorch.tensor([1.0, 2.0], requires_grad=True)
    assert not getattr(jtorch.special, name)(x).requires_grad


@pytest.mark.parametrize("dtype", ["complex64", "float16", "bfloat16"])
def test_unsupported_dtypes_raise_like_torch(dtype):
    """Complex / half input: NotImplementedError naming the kernel and dtype (as torch's CPU)."""
    jt, t = pair(np.ones(3), dtype)
    jr = assert_same_raise(lambda: jtorch.special.bessel_j0(jt),
                           lambda: torch.special.bessel_j0(t), contains=("bessel_j0_cpu",))
    assert str(jr[1]) == str(jr[0])


def test_names_live_in_torch_special_only():
    """Like torch, no top-level torch.special_* aliases."""
    for n in NAMES:
        assert hasattr(jtorch.special, n) and n in jtorch.special.__all__
        assert not hasattr(jtorch, "special_" + n)
