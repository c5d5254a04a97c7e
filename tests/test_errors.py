"""Bad input gets torch's answer: the same exception class, and a message naming the shapes /
dtypes involved (checked with `contains`)."""
import numpy as np
import pytest
import torch

import jtorch
from _harness import assert_same_raise, pair, require


def _p(shape, dtype="float32"):
    return pair(np.arange(int(np.prod(shape))).reshape(shape) % 5, dtype=dtype)


def check(fn, contains=(), exact=False, needs=()):
    """fn(L, *tensors) with L=jtorch/torch; same exception class; message mentions `contains`."""
    for obj, name in needs:
        require(obj, name)
    ej, et = assert_same_raise(lambda: fn(jtorch), lambda: fn(torch), contains=contains)
    if exact:
        assert str(ej) == str(et)
    return ej, et


# Each case: (id, fn(L), strings the message must contain, exact message?, required attrs)
def _t(L, shape, dtype="float32"):
    """A tensor of the given shape/dtype in library L (deterministic values)."""
    a = np.arange(int(np.prod(shape))).reshape(shape) % 5
    return L.tensor(a, dtype=getattr(L, dtype))


CASES = [
    ("broadcast-add", lambda L: _t(L, (2, 3)) + _t(L, (4,)),
     ("3", "4", "dimension 1"), True, ()),
    ("broadcast-mul-3d", lambda L: _t(L, (2, 3, 5)) * _t(L, (3, 4)),
     ("5", "4", "dimension 2"), True, ()),
    ("broadcast-where", lambda L: L.where(_t(L, (2,), "bool"), _t(L, (3,)), _t(L, (3,))),
     ("2", "3"), False, ()),
    ("broadcast-inplace", lambda L: _t(L, (3,)).add_(_t(L, (2, 3))),
     ("[3]", "[2, 3]"), True, ()),
    ("matmul-shapes", lambda L: _t(L, (2, 3)) @ _t(L, (4, 5)),
     ("2x3", "4x5"), True, ((jtorch.Tensor, "__matmul__"),)),
    ("matmul-1d", lambda L: L.matmul(_t(L, (3,)), _t(L, (4,))),
     ("3", "4"), False, ((jtorch, "matmul"),)),
    ("mm-dtypes", lambda L: L.mm(_t(L, (2, 2)), _t(L, (2, 2), "float64")),
     ("float", "double"), False, ((jtorch, "mm"),)),
    ("view-size", lambda L: _t(L, (2, 3)).view(4, 4),
     ("[4, 4]", "6"), True, ((jtorch.Tensor, "view"),)),
    ("reshape-size", lambda L: _t(L, (2, 3)).reshape(5),
     ("[5]", "6"), True, ((jtorch.Tensor, "reshape"),)),
    ("reshape-two-minus-one", lambda L: _t(L, (2, 3)).reshape(-1, -1),
     ("one dimension",), True, ((jtorch.Tensor, "reshape"),)),
    ("view-noncontiguous", lambda L: _t(L, (2, 3)).t().view(6),
     ("view",), False, ((jtorch.Tensor, "view"), (jtorch.Tensor, "t"))),
    ("index-out-of-range", lambda L: _t(L, (3,))[5],
     ("5", "3", "dimension 0"), True, ((jtorch.Tensor, "__getitem__"),)),
    ("index-out-of-range-dim1", lambda L: _t(L, (2, 3))[:, -4],
     ("-4", "3", "dimension 1"), True, ((jtorch.Tensor, "__getitem__"),)),
    ("too-many-indices", lambda L: _t(L, (3,))[0, 0],
     ("1",), False, ((jtorch.Tensor, "__getitem__"),)),
    ("negative-step", lambda L: _t(L, (4,))[::-1],
     ("step",), True, ((jtorch.Tensor, "__getitem__"),)),
    ("size-dim-out-of-range", lambda L: _t(L, (2, 3)).size(2),
     ("[-2, 1]", "2"), True, ()),
    ("requires-grad-int-factory", lambda L: L.tensor([1, 2], requires_grad=True),
     ("floating point",), True, ()),
    ("requires-grad-int-method", lambda L: _t(L, (2,), "int64").requires_grad_(),
     ("floating point",), True, ()),
    ("requires-grad-bool-zeros", lambda L: L.zeros(2, dtype=L.bool, requires_grad=True),
     ("floating point",), True, ()),
    ("item-many", lambda L: _t(L, (2, 3)).item(), ("6 elements",), True, ()),
    ("item-empty", lambda L: _t(L, (0,)).item(), ("0 elements",), True, ()),
    ("bool-many", lambda L: bool(_t(L, (2,))), ("more than one value",), True, ()),
    ("bool-empty", lambda L: bool(_t(L, (0,))), ("no values",), True, ()),
    ("float-many", lambda L: float(_t(L, (2,))), ("one element",), True, ()),
    ("int-inplace-float-result", lambda L: _t(L, (3,), "int64").add_(1.5),
     ("Float", "Long"), True, ()),
    ("int-iadd-float", lambda L: _t(L, (3,), "int64").__iadd__(_t(L, (3,))),
     ("Float", "Long"), True, ()),
    ("int-inplace-div", lambda L: _t(L, (3,), "int32").div_(2), ("Float", "Int"), True, ()),
    ("bool-inplace-int", lambda L: _t(L, (3,), "bool").mul_(2), ("Long", "Bool"), True, ()),
    ("float-inplace-complex", lambda L: _t(L, (3,)).mul_(1j),
     ("ComplexFloat", "Float"), True, ()),
    ("inplace-shape-before-cast", lambda L: _t(L, (3,), "int64").add_(_t(L, (4,))),
     ("3", "4"), True, ()),
    ("inplace-cast-before-kernel", lambda L: _t(L, (3,), "int64").bitwise_and_(_t(L, (3,))),
     ("Float", "Long"), True, ()),
    ("shape-before-kernel", lambda L: _t(L, (3,)) & _t(L, (4,)), ("3", "4"), True, ()),
    ("inplace-sub-check-before-cast", lambda L: _t(L, (3,), "bool").sub_(1.5),
     ("bool tensor",), True, ()),
    ("sub-two-bools", lambda L: _t(L, (2,), "bool") - _t(L, (2,), "bool"),
     ("two bool tensors",), True, ()),
    ("sub-bool-scalar", lambda L: _t(L, (2,), "bool") - 1, ("bool tensor",), True, ()),
    ("neg-bool", lambda L: -_t(L, (2,), "bool"), ("bool tensor",), True, ()),
    ("bitwise-and-float", lambda L: _t(L, (2,)) & _t(L, (2,)), ("Float",), True, ()),
    ("bitwise-or-double", lambda L: L.bitwise_or(_t(L, (2,), "float64"), 1),
     ("Double",), True, ()),
    ("bitwise-xor-float-int", lambda L: _t(L, (2,), "int64") ^ _t(L, (2,)), ("Float",), True, ()),
    ("shift-float", lambda L: _t(L, (2,)) << 1, ("Float",), True, ()),
    ("invert-float", lambda L: ~_t(L, (2,)), ("integer",), True, ()),
    ("bitwise-not-half", lambda L: L.bitwise_not(_t(L, (2,), "float16")), ("Half",), True, ()),
    ("where-cond-not-bool", lambda L: L.where(_t(L, (2,)), _t(L, (2,)), _t(L, (2,))),
     ("Float",), True, ()),
    ("pow-int-negative", lambda L: _t(L, (2,), "int64") ** -1, ("negative",), True, ()),
    ("div-bad-rounding", lambda L: L.div(_t(L, (2,)), 2, rounding_mode="round"),
     ("round",), True, ()),
    ("add-int-float-alpha", lambda L: L.add(_t(L, (2,), "int64"), 1, alpha=0.5),
     ("alpha",), True, ()),
    ("clamp-no-bounds", lambda L: L.clamp(_t(L, (2,))), ("min", "max"), True, ()),
    ("frac-int", lambda L: L.frac(_t(L, (2,), "int64")), ("Long",), True, ()),
    ("lt-complex", lambda L: _t(L, (2,), "complex64") < _t(L, (2,), "complex64"),
     ("ComplexFloat",), True, ()),
    ("maximum-complex", lambda L: L.maximum(_t(L, (2,), "complex64"), _t(L, (2,), "complex64")),
     ("complex",), True, ()),
    ("copy-shape", lambda L: _t(L, (2, 3)).copy_(_t(L, (4,))), ("3", "4"), True, ()),
    ("copy-more-dims", lambda L: _t(L, (3,)).copy_(_t(L, (2, 3))), ("[3]", "[2, 3]"), True, ()),
    ("fill-nonscalar", lambda L: _t(L, (3,)).fill_(_t(L, (2,))), ("1 dimensions",), True, ()),
    ("zeros-negative", lambda L: L.zeros(2, -1), ("non-negative",), True, ()),
    ("empty-negative", lambda L: L.empty(-2), ("-2",), True, ()),
    ("full-overflow", lambda L: L.full((2,), 300, dtype=L.uint8), ("uint8",), True, ()),
    ("tensor-ragged", lambda L: L.tensor([[1, 2], [3]]), ("length 2", "dim 1", "got 1"), True,
     ()),
    ("tensor-overflow", lambda L: L.tensor([300], dtype=L.uint8), ("uint8",), True, ()),
    ("arange-zero-step", lambda L: L.arange(0, 5, 0), ("nonzero",), True, ()),
    ("arange-bad-sign", lambda L: L.arange(0, 5, -1), ("step sign",), True, ()),
    ("linspace-negative-steps", lambda L: L.linspace(0, 1, -3), ("non-negative",), True, ()),
    ("eye-negative", lambda L: L.eye(-1), ("-1",), True, ()),
    ("rand-int-dtype", lambda L: L.rand(2, dtype=L.int64), ("Long",), True, ()),
    ("randint-bounds", lambda L: L.randint(5, 2, (3,)), ("from=5", "to=2"), True, ()),
    ("randint-dtype-bounds", lambda L: L.randint(0, 300, (3,), dtype=L.uint8),
     ("unsigned char",), True, ()),
    ("multinomial-too-many", lambda L: L.multinomial(_t(L, (3,)) + 1, 4), ("n_sample",), True,
     ()),
    ("cuda-tensor", lambda L: _t(L, (2,)).cuda(), ("CUDA",), False, ()),
    ("bad-device-string", lambda L: L.device("gpu"), ("gpu",), True, ()),
    ("bad-device-index", lambda L: L.device("cuda:x"), ("cuda:x",), True, ()),
    ("set-default-dtype-int", lambda L: L.set_default_dtype(L.int32), (), False, ()),
    ("finfo-int", lambda L: L.finfo(L.int32), (), False, ()),
    ("iinfo-float", lambda L: L.iinfo(L.float32), (), False, ()),
    ("iinfo-bool", lambda L: L.iinfo(L.bool), ("bool",), True, ()),
    ("grad-wrong-shape", lambda L: setattr(L.zeros(2, requires_grad=True), "grad", L.zeros(3)),
     ("size",), False, ()),
    ("len-0d", lambda L: len(L.tensor(1.0)), ("0-d",), True, ()),
    ("iter-0d", lambda L: iter(L.tensor(1.0)), ("0-d",), True, ()),
    ("index-float-tensor", lambda L: [1, 2][L.tensor(1.0)], ("integer",), True, ()),
    ("numpy-requires-grad", lambda L: L.ones(2, requires_grad=True).numpy(), ("detach",), True,
     ()),
]


@pytest.mark.parametrize("fn, contains, exact, needs", [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_error(fn, contains, exact, needs):
    check(fn, contains, exact, needs)


def test_messages_name_shapes_of_big_tensors():
    """The broadcast message names the offending sizes, whatever the rank."""
    ja, ta = _p((7, 1, 5))
    jb, tb = _p((6, 4))
    ej, et = assert_same_raise(lambda: ja + jb, lambda: ta + tb, contains=("5", "4"))
    assert str(ej) == str(et)


def test_error_leaves_tensor_unchanged():
    """A failed in-place op does not write anything or bump the version."""
    ji, ti = _p((3,), "int64")
    before = ji.tolist()
    ver = ji._version
    with pytest.raises(RuntimeError):
        ji.add_(1.5)
    assert ji.tolist() == before and ji._version == ver
    jb, tb = _p((3,))
    with pytest.raises(RuntimeError):
        jb.add_(_p((2, 3))[0])
    assert jb.tolist() == tb.tolist()
