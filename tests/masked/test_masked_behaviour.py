"""torch.masked behaviour op_db does not sample: errors, dtype=, correction=, broadcast masks,
fully masked-out slices, and the public names."""
import numpy as np
import pytest
import torch

import jtorch
from _harness import assert_same, assert_same_raise

X = np.linspace(-2.0, 3.0, 24, dtype=np.float32).reshape(2, 3, 4)
M = (np.arange(24).reshape(2, 3, 4) % 3 != 0)
M[1, 2] = False  # one fully masked-out row along dim 2


def _both(fn):
    """fn(lib, x, mask) run in jtorch and torch on the same x (float32) and mask."""
    return (fn(jtorch, jtorch.tensor(X), jtorch.tensor(M)),
            fn(torch, torch.tensor(X), torch.tensor(M)))


def test_public_names():
    """Every function of torch.masked jtorch implements is public under the same name."""
    skip = {"MaskedTensor", "masked_tensor", "as_masked_tensor"}  # NOTE: out of scope
    assert sorted(jtorch.masked.__all__) == sorted(set(torch.masked.__all__) - skip)
    assert jtorch.masked.is_masked_tensor(jtorch.ones(2)) is False


@pytest.mark.parametrize("call", [
    lambda m, x, k: m.masked.sum(x, (0, 2), keepdim=True, mask=k),
    lambda m, x, k: m.masked.sum(x > 0, 1, mask=k),                      # bool -> int64
    lambda m, x, k: m.masked.sum(x, 1, dtype=m.float64, mask=k),
    lambda m, x, k: m.masked.prod(x, (1, 2), mask=k[0, :, :1]),          # broadcast mask
    lambda m, x, k: m.masked.amax(x, 2, mask=k),                          # -inf when all out
    lambda m, x, k: m.masked.amin(x.long(), 2, mask=k),                   # iinfo.max
    lambda m, x, k: m.masked.argmax(x, 1, keepdim=True, mask=k),          # float indices
    lambda m, x, k: m.masked.argmin(x, mask=k, dtype=m.int64),
    lambda m, x, k: m.masked.mean(x, (0, 1), mask=k),
    lambda m, x, k: m.masked.mean(x.long(), 2, dtype=m.float32, mask=k),
    lambda m, x, k: m.masked.median(x, 2, keepdim=True, mask=k),          # nan when all out
    lambda m, x, k: m.masked.median(x.long(), 1, mask=k),
    lambda m, x, k: m.masked.logsumexp(x, (1, 2), mask=k),
    lambda m, x, k: m.masked.norm(x, float("-inf"), 2, mask=k),
    lambda m, x, k: m.masked.norm(x, 1, (), mask=k),
    lambda m, x, k: m.masked.var(x, 2, correction=0, keepdim=True, mask=k),
    lambda m, x, k: m.masked.var(x.long(), (0, 2), unbiased=False, mask=k),
    lambda m, x, k: m.masked.std(x, 1, unbiased=True, mask=k),
    lambda m, x, k: m.masked.cumsum(x.long(), -1, dtype=m.float32, mask=k),
    lambda m, x, k: m.masked.cumprod(x, 1, mask=k),
    lambda m, x, k: m.masked.softmax(x, 2, mask=k),
    lambda m, x, k: m.masked.log_softmax(x, 1, dtype=m.float64, mask=k),
    lambda m, x, k: m.masked.softmin(x, -1, mask=k),
    lambda m, x, k: m.masked.normalize(x, 1.0, 2, eps=0.5, mask=k),
    lambda m, x, k: m.masked.logaddexp(x, x.flip(0), input_mask=k, other_mask=k.flip(2)),
])
def test_keyword_variants(call):
    """dims tuples, keepdim, dtype=, correction/unbiased, broadcast and fully-out masks."""
    j, t = _both(call)
    assert_same(j, t, 1e-5, 1e-5)


def test_gradient_with_mask():
    """Masked-out elements get zero gradient; amax ties share it like torch.amax."""
    x = np.array([[1.0, 3.0, 3.0, 0.5], [2.0, 2.0, 2.0, 7.0]], dtype=np.float32)
    k = np.array([[True, True, True, False], [True, True, True, False]])
    for name in ("amax", "amin", "sum", "prod", "mean", "std", "logsumexp", "norm"):
        tx = torch.tensor(x, requires_grad=True)
        getattr(torch.masked, name)(tx, 1, mask=torch.tensor(k)).sum().backward()
        jx = jtorch.tensor(x, requires_grad=True)
        getattr(jtorch.masked, name)(jx, 1, mask=jtorch.tensor(k)).sum().backward()
        assert_same(jx.grad, tx.grad, 1e-5, 1e-5, where=f"{name}: ")


@pytest.mark.parametrize("call", [
    lambda m, x, k: m.masked.sum(x, 3, mask=k),                           # IndexError
    lambda m, x, k: m.masked.sum(x, (1, 1), mask=k),                      # RuntimeError
    lambda m, x, k: m.masked.sum(x[0], mask=k),                           # mask ndim > input
    lambda m, x, k: m.masked.mean(x.long(), mask=k),                      # ValueError
    lambda m, x, k: m.masked.median(x.long(), 2, mask=k),                 # all-out int row
    lambda m, x, k: m.masked.var(x, 1, True, correction=1, mask=k),       # AssertionError
    lambda m, x, k: m.masked.norm(x.long(), float("-inf"), mask=k),       # AssertionError
])
def test_errors(call):
    """torch's exception classes for bad dims, masks and dtypes."""
    assert_same_raise(lambda: call(jtorch, jtorch.tensor(X), jtorch.tensor(M)),
                      lambda: call(torch, torch.tensor(X), torch.tensor(M)))


def test_non_tensor_input():
    """A non-Tensor input (e.g. a MaskedTensor of another library) is a TypeError."""
    with pytest.raises(TypeError, match="strided Tensor"):
        jtorch.masked.sum(np.ones(3), mask=jtorch.ones(3, dtype=jtorch.bool))


def test_under_compile():
    """Masked reductions trace under jtorch.compile (no host round trip)."""
    f = jtorch.compile(lambda x, k: jtorch.masked.softmax(x, 2, mask=k)
                       + jtorch.masked.mean(x, 2, keepdim=True, mask=k))
    j = f(jtorch.tensor(X), jtorch.tensor(M))
    t = (torch.masked.softmax(torch.tensor(X), 2, mask=torch.tensor(M))
         + torch.masked.mean(torch.tensor(X), 2, keepdim=True, mask=torch.tensor(M)))
    assert_same(j, t, 1e-5, 1e-5)
