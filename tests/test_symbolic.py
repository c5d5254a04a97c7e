"""torch.sym_* and SymInt/SymFloat/SymBool on concrete values, against torch."""
import inspect

import numpy as np
import pytest
import torch

import jtorch
import jtorch._symbolic as S
from _harness import assert_same_raise

CASES = [
    "sym_int(3.7)", "sym_int(-3.7)", "sym_int(3)", "sym_int(True)", "sym_int('3')",
    "sym_int(float('inf'))", "sym_int(float('nan'))", "sym_int(T.tensor(2.5))", "sym_int(None)",
    "sym_float(3)", "sym_float(3.5)", "sym_float(True)", "sym_float('1')",
    "sym_float(T.tensor(2))", "sym_float(None)",
    "sym_max(1, 2.0)", "sym_max(2, 1.0)", "sym_max(1, 2)", "sym_max(True, False)",
    "sym_max(2.0, 1)", "sym_max(np.int32(4), 1)", "sym_max(np.float32(0.5), 1)",
    "sym_max(T.tensor(1), T.tensor(2))", "sym_max(1, T.tensor(2))", "sym_max('a', 'b')",
    "sym_max(float('nan'), 1)", "sym_max(1, float('nan'))", "sym_max(1, 2, 3)",
    "sym_min(1, 2.0)", "sym_min(2, 1.0)", "sym_min(1, 2)", "sym_min(True, 2)",
    "sym_min(T.tensor([1, 5]), T.tensor([3, 2]))", "sym_min(1, None)",
    "sym_not(True)", "sym_not(0)", "sym_not(3)", "sym_not(T.tensor(True))",
    "sym_not(T.tensor([True, False]))", "sym_not(None)", "sym_not(T.tensor(1))",
    "sym_ite(True, 1, 2)", "sym_ite(False, 1, 2)", "sym_ite(False, 1, 2.0)", "sym_ite(1, 1, 2)",
    "sym_ite(T.tensor(True), 1, 2)", "sym_ite(True, 'a', 'b')",
    "sym_sum([1, 2, 3])", "sym_sum(1, 2, 3)", "sym_sum([1, 2.5])", "sym_sum([])", "sym_sum(())",
    "sym_sum((True, True))", "sym_sum([T.tensor(1), 2])", "sym_sum(3)",
    "sym_sum(x for x in [1, 2])", "sym_sum(['a', 'b'])",
    "sym_sqrt(4)", "sym_sqrt(4.0)", "sym_sqrt(2)", "sym_sqrt(-1)", "sym_sqrt(True)",
    "sym_sqrt(T.tensor(4.0))", "sym_sqrt('a')",
    "sym_fresh_size(3)", "sym_fresh_size(3.0)", "sym_fresh_size(True)",
    "sym_constrain_range(3, min=0, max=5)", "sym_constrain_range(3, min=4, max=5)",
    "sym_constrain_range(3, max=2)", "sym_constrain_range(-5)", "sym_constrain_range(3.0)",
    "sym_constrain_range(5.0, min=6, max=2)", "sym_constrain_range(size=3, min=0, max=1)",
    "sym_constrain_range(T.tensor(3), min=4, max=5)", "sym_constrain_range(3.5, min=4, max=5)",
    "sym_constrain_range(T.tensor([3]), min=4, max=5)", "sym_constrain_range('a')",
    "sym_constrain_range(None)", "sym_constrain_range(np.int64(3), min=4, max=5)",
    "sym_constrain_range(True, min=4, max=5)", "sym_constrain_range(3, min=4.0, max=5)",
    "sym_constrain_range(3, min=None, max=None)", "sym_constrain_range(T.tensor(3.0), max=2)",
    "sym_constrain_range_for_size(3)", "sym_constrain_range_for_size(-1)",
    "sym_constrain_range_for_size(3, min=4)", "sym_constrain_range_for_size(3, max=2)",
    "sym_constrain_range_for_size(5.0, max=2)", "sym_constrain_range_for_size(-1, min=-2)",
    "sym_constrain_range_for_size(5, min=6, max=4)", "sym_constrain_range_for_size(3, max=2.0)",
    "sym_constrain_range_for_size('a', max=2)", "sym_constrain_range_for_size(0, min=1)",
    "isinstance(3, T.SymInt)", "isinstance(3.0, T.SymFloat)", "isinstance(True, T.SymBool)",
    "issubclass(int, T.SymInt)", "issubclass(bool, T.SymBool)",
]


def _run(src, T):
    ns = {n: getattr(T if T is torch else S, n) for n in S.__all__}
    ns.update(T=T, np=np)
    return eval(src, ns)


def _tensor_value(x):
    return x.tolist() if hasattr(x, "tolist") else x


@pytest.mark.parametrize("src", CASES)
def test_sym_functions(src, monkeypatch):
    jt = jtorch
    for name in ("SymInt", "SymFloat", "SymBool"):  # NOTE: until jtorch/__init__ exports them
        monkeypatch.setattr(jt, name, getattr(S, name), raising=False)
    try:
        want = _run(src, torch)
    except Exception:  # noqa: BLE001
        ej, et = assert_same_raise(lambda: _run(src, jt), lambda: _run(src, torch))
        assert str(ej).replace("jtorch._tensor.Tensor", "torch.Tensor") == str(et)
        return
    got = _run(src, jt)
    if isinstance(want, torch.Tensor):
        assert isinstance(got, jtorch.Tensor) and got.dtype.__repr__() == repr(want.dtype)
        assert _tensor_value(got) == _tensor_value(want)
        return
    assert type(got) is type(want), (got, want)
    assert repr(got) == repr(want), (got, want)


def test_all_and_signatures():
    for name in S.__all__:
        t, j = getattr(torch, name), getattr(S, name)
        assert j.__doc__, name
        if isinstance(t, type):
            assert isinstance(j, type) and j.__name__ == t.__name__
            continue
        try:
            tsig = inspect.signature(t)
        except ValueError:  # NOTE: torch's C builtins (sym_constrain_range*) have none
            continue
        assert ([(p.name, p.kind, p.default) for p in inspect.signature(j).parameters.values()]
                == [(p.name, p.kind, p.default) for p in tsig.parameters.values()]), name


@pytest.mark.parametrize("cls", ["SymInt", "SymFloat", "SymBool"])
def test_sym_classes_cannot_be_built(cls):
    with pytest.raises(NotImplementedError, match="jtorch has no symbolic shapes"):
        getattr(S, cls)(3)
