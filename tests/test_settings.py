"""Top-level settings (threads, matmul precision, determinism, ...) match torch's."""
import warnings

import pytest
import torch

import jtorch
from _harness import assert_same_error
import jtorch._settings as S


@pytest.fixture(autouse=True)
def _reset():
    yield
    for lib in (S, torch):
        lib.set_float32_matmul_precision("highest")
        lib.use_deterministic_algorithms(False)
        lib.set_warn_always(False)
    S._state["num_threads"] = None




def test_defaults():
    assert S.get_num_threads() == torch.get_num_threads()
    assert S.get_num_interop_threads() == torch.get_num_interop_threads()
    assert S.get_float32_matmul_precision() == torch.get_float32_matmul_precision() == "highest"
    assert S.are_deterministic_algorithms_enabled() == torch.are_deterministic_algorithms_enabled()
    assert (S.is_deterministic_algorithms_warn_only_enabled()
            == torch.is_deterministic_algorithms_warn_only_enabled())
    assert S.get_deterministic_debug_mode() == torch.get_deterministic_debug_mode()
    assert S.is_warn_always_enabled() == torch.is_warn_always_enabled()


def test_num_threads():
    old = torch.get_num_threads()
    try:
        S.set_num_threads(1)
        torch.set_num_threads(1)
        assert S.get_num_threads() == torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(old)
    for bad in (0, -1, 1.5, "2", True):
        assert_same_error(lambda: S.set_num_threads(bad), lambda: torch.set_num_threads(bad))
        assert_same_error(lambda: S.set_num_interop_threads(bad),
                    lambda: torch.set_num_interop_threads(bad))


def test_num_interop_threads_once():
    saved = dict(S._state)
    try:
        S.set_num_interop_threads(1)
        assert S.get_num_interop_threads() == 1
        with pytest.raises(RuntimeError, match="cannot set number of interop threads"):
            S.set_num_interop_threads(2)
    finally:
        S._state.update(saved)


@pytest.mark.parametrize("p", ["high", "medium", "highest"])
def test_matmul_precision(p):
    S.set_float32_matmul_precision(p)
    torch.set_float32_matmul_precision(p)
    assert S.get_float32_matmul_precision() == torch.get_float32_matmul_precision() == p


def test_matmul_precision_bad_values():
    S.set_float32_matmul_precision("medium")
    torch.set_float32_matmul_precision("medium")
    with pytest.warns(UserWarning, match="bogus is not one of 'highest', 'high', or 'medium'"):
        S.set_float32_matmul_precision("bogus")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.set_float32_matmul_precision("bogus")
    assert S.get_float32_matmul_precision() == torch.get_float32_matmul_precision() == "medium"
    for bad in (3, None):
        assert_same_error(lambda: S.set_float32_matmul_precision(bad),
                    lambda: torch.set_float32_matmul_precision(bad))


def _det_state(lib):
    return (lib.are_deterministic_algorithms_enabled(),
            lib.is_deterministic_algorithms_warn_only_enabled(), lib.get_deterministic_debug_mode())


@pytest.mark.parametrize("mode,warn_only", [(True, False), (True, True), (False, False)])
def test_use_deterministic_algorithms(mode, warn_only):
    S.use_deterministic_algorithms(mode, warn_only=warn_only)
    torch.use_deterministic_algorithms(mode, warn_only=warn_only)
    assert _det_state(S) == _det_state(torch)


@pytest.mark.parametrize("mode", [0, 1, 2, "default", "warn", "error", True, False])
def test_deterministic_debug_mode(mode):
    S.set_deterministic_debug_mode(mode)
    torch.set_deterministic_debug_mode(mode)
    assert _det_state(S) == _det_state(torch)


@pytest.mark.parametrize("bad", ["bogus", 3, -1, 1.5, None])
def test_deterministic_debug_mode_errors(bad):
    assert_same_error(lambda: S.set_deterministic_debug_mode(bad),
                lambda: torch.set_deterministic_debug_mode(bad))


@pytest.mark.parametrize("bad", [1, "x"])
def test_bool_argument_errors(bad):
    assert_same_error(lambda: S.use_deterministic_algorithms(bad),
                lambda: torch.use_deterministic_algorithms(bad))
    assert_same_error(lambda: S.use_deterministic_algorithms(True, warn_only=bad),
                lambda: torch.use_deterministic_algorithms(True, warn_only=bad))
    assert_same_error(lambda: S.set_warn_always(bad), lambda: torch.set_warn_always(bad))
    assert_same_error(lambda: S.set_flush_denormal(bad), lambda: torch.set_flush_denormal(bad))


def test_warn_always_and_flush_denormal():
    S.set_warn_always(True)
    torch.set_warn_always(True)
    assert S.is_warn_always_enabled() == torch.is_warn_always_enabled() is True
    try:
        assert S.set_flush_denormal(True) == torch.set_flush_denormal(True)
    finally:
        assert S.set_flush_denormal(False) == torch.set_flush_denormal(False)


def test_all_names_exported():
    for name in S.__all__:
        assert callable(getattr(torch, name)), name
    assert "jtorch" in repr(jtorch)
