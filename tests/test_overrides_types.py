"""torch.overrides (the __torch_function__ protocol helpers) and torch.types against torch."""
import os
import typing
import warnings

import pytest
import torch
import torch.overrides as tov
import torch.types as tty

import jtorch
import jtorch.overrides as jov
import jtorch.types as jty


class _Proto:
    """A tensor-like that is not a tensor: implements __torch_function__ (classmethod)."""

    handled = []

    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        cls.handled.append((func.__name__, [t.__name__ for t in types]))
        return f"{cls.__name__}:{func.__name__}"


class _Sub(_Proto):
    pass


class _Declines:
    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        return NotImplemented


def _scaled(lib):
    """A library function guarded the way torch code is: dispatch, else compute."""
    def scaled(a, b=2):
        if lib.has_torch_function((a, b)):
            return lib.handle_torch_function(scaled, (a, b), a, b=b)
        return a * b
    return scaled


def test_public_names_match_torch():
    assert jov.__all__ == tov.__all__
    assert jty.__all__ == tty.__all__


@pytest.mark.parametrize("make", [lambda lib: 1, lambda lib: None, lambda lib: lib.ones(2),
                                  lambda lib: lib.nn.Parameter(lib.ones(2)), lambda lib: _Proto(),
                                  lambda lib: _Sub(), lambda lib: [lib.ones(1)], lambda lib: _Proto])
def test_has_torch_function_and_is_tensor_like(make):
    t, j = make(torch), make(jtorch)
    assert jov.has_torch_function((j,)) == tov.has_torch_function((t,))
    assert jov.has_torch_function_unary(j) == tov.has_torch_function_unary(t)
    assert jov.has_torch_function_variadic(1, j) == tov.has_torch_function_variadic(1, t)
    assert jov.is_tensor_like(j) == tov.is_tensor_like(t)


def test_handle_torch_function_precedence_matches_torch():
    got = []
    for lib in (tov, jov):
        _Proto.handled = []
        f = _scaled(lib)
        got.append((f(3), f(_Proto(), 3), f(_Proto(), _Sub()), f(3, _Sub()), list(_Proto.handled)))
    assert got[0] == got[1]
    # NOTE: a subclass's implementation runs before its base class's.
    assert got[1][2] == "_Sub:scaled" and got[1][4][1] == ("scaled", ["_Sub", "_Proto"])


def test_handle_torch_function_no_implementation():
    msgs = []
    for lib in (tov, jov):
        with pytest.raises(TypeError) as info:
            _scaled(lib)(_Declines())
        msgs.append(str(info.value).replace(".<locals>", ""))
    assert msgs[0] == msgs[1]
    assert "no implementation found for 'test_overrides_types.scaled'" in msgs[1]
    with pytest.raises(TypeError, match="no implementation found for 'torch.add' on types that "
                                        "implement __torch_function__: \\[\\]"):
        jov.handle_torch_function(jtorch.add, (1,), 1, 1)


def test_plain_method_torch_function_warns():
    class Plain:
        def __torch_function__(self, func, types, args=(), kwargs=None):
            return "plain"

    for lib in (tov, jov):
        with pytest.warns(DeprecationWarning, match="as a plain method is deprecated"):
            assert lib.handle_torch_function(len, (Plain(),), Plain()) == "plain"


def test_wrap_torch_function_and_redispatch():
    results = []
    for lib in (tov, jov):
        @lib.wrap_torch_function(lambda a, b=None: (a,))
        def combine(a, b=None):
            return ("plain", a, b)

        class Logging:
            calls = []

            @classmethod
            def __torch_function__(cls, func, types, args=(), kwargs=None):
                cls.calls.append(func.__name__)
                # NOTE: redispatch runs the function with this argument's dispatch skipped once.
                return lib.redispatch_function(func, types, args, kwargs)

        arg = Logging()
        out = combine(arg, b=2)
        results.append((combine(1), out[0], out[2], out[1] is arg, Logging.calls))
    assert results[0] == results[1] == (("plain", 1, None), "plain", 2, True, ["combine"])


def test_function_tables_are_consistent():
    # NOTE: jtorch's functions never dispatch, so all are ignored and none overridable.
    ignored = jov.get_ignored_functions()
    assert jtorch.add in ignored and jtorch.nn.functional.relu in ignored and jtorch.cat in ignored
    assert not jov.get_overridable_functions() and jov.get_testing_overrides() == {}
    assert jov.resolve_name(jtorch.add) == tov.resolve_name(torch.add) == "torch.add"
    assert jov.resolve_name(jtorch.nn.functional.relu) == "torch.nn.functional.relu"
    assert jov.resolve_name(lambda: 0) is None
    assert jov.is_tensor_method_or_property(jtorch.Tensor.reshape)
    assert jov.is_tensor_method_or_property(jtorch.Tensor.grad.__get__)
    assert not jov.is_tensor_method_or_property(jtorch.nn.functional.relu)
    assert jtorch.Tensor.grad.__get__ in jov.get_default_nowrap_functions()
    with jov.enable_reentrant_dispatch():
        pass


def test_torch_function_mode_is_refused_clearly():
    class Mode(jov.TorchFunctionMode):
        def __torch_function__(self, func, types, args=(), kwargs=None):
            return func(*args, **(kwargs or {}))

    with pytest.raises(NotImplementedError, match="does not support __torch_function__ modes"):
        with Mode():
            pass
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        assert isinstance(Mode.push(), Mode)
    assert "no longer necessary" in str(rec[0].message)
    assert jov.BaseTorchFunctionMode().__torch_function__(max, (), (1, 2)) == 2
    with pytest.raises(NotImplementedError):
        jov.TorchFunctionMode().__torch_function__(max, ())


def test_types_aliases():
    assert jty.Number == typing.Union[int, float, bool] and jty._Number == tty._Number
    assert typing.get_args(jty.Number) == typing.get_args(tty.Number)
    assert set(typing.get_args(jty.Device)) == {jtorch.device, str, int, type(None)}
    assert {a.__name__ if isinstance(a, type) else str(a) for a in typing.get_args(tty.Device)} == \
           {"device", "str", "int", "NoneType"}
    assert typing.get_args(jty.FileLike)[0] is str and os.PathLike in \
        [typing.get_origin(a) or a for a in typing.get_args(jty.FileLike)]
    assert jty._dtype is jtorch.dtype and jty._device is jtorch.device and jty.Size is jtorch.Size
    assert jty.Tensor is jtorch.Tensor and jty._int is int and jty._bool is bool
    assert jty._size == typing.Union[jtorch.Size, list[int], tuple[int, ...]]
    storage_methods = {n for n in vars(tty.Storage) if not n.startswith("__")}
    assert storage_methods == {n for n in vars(jty.Storage) if not n.startswith("__")}
    public = {n for n in dir(tty) if not n.startswith("_")}
    missing = public - set(dir(jty))
    # NOTE: jtorch has no symbolic shapes or dispatch keys; typing helpers are not re-exported.
    assert missing <= {"SymInt", "SymFloat", "SymBool", "PySymType", "DispatchKey", "Any", "IO",
                       "Self", "Sequence", "TYPE_CHECKING", "TypeAlias", "Union", "os"}, missing
