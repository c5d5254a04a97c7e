"""torch.autograd.anomaly_mode: jtorch vs torch (flags, warnings, NaN errors, tracebacks)."""
import warnings

import numpy as np
import pytest
import torch

import jtorch
from jtorch.autograd import anomaly_mode

from ._util import close, raises_like

LIBS = [torch, jtorch]


def _flags(lib):
    """(is_anomaly_enabled, is_anomaly_check_nan_enabled) of lib (jtorch: the module's, until
    the top-level names are re-exported)."""
    mod = lib if hasattr(lib, "is_anomaly_enabled") else anomaly_mode
    return mod.is_anomaly_enabled(), mod.is_anomaly_check_nan_enabled()


def _recorded(fn):
    """Run fn() recording all warnings; returns (result or exception, [(category, text)])."""
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        try:
            res = fn()
        except Exception as e:  # noqa: BLE001
            res = e
    return res, [(x.category, str(x.message)) for x in w]


def _first_line(msg):
    """A warning's text without torch's C++ suffix ' (Triggered internally at ...)'."""
    return msg.split(" (Triggered internally at")[0]


def test_detect_anomaly_warns_on_construction():
    outs = [_recorded(lambda lib=lib: lib.autograd.detect_anomaly()) for lib in LIBS]
    (_, tw), (_, jw) = outs
    assert jw == tw
    assert tw[0][0] is UserWarning and tw[0][1].startswith("Anomaly Detection has been enabled")


def test_flags_inside_and_outside():
    for lib in LIBS:
        assert _flags(lib) == (False, True)
    got = {}
    for lib in LIBS:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with lib.autograd.detect_anomaly(check_nan=False):
                inside = _flags(lib)
        with lib.autograd.set_detect_anomaly(True):
            inside2 = _flags(lib)
        after = _flags(lib)
        lib.autograd.set_detect_anomaly(True, check_nan=False)  # a plain call switches it
        called = _flags(lib)
        lib.autograd.set_detect_anomaly(False)
        got[lib] = (inside, inside2, after, called, _flags(lib))
    assert got[jtorch] == got[torch]
    assert got[torch][0] == (True, False)


def test_set_anomaly_enabled_top_level():
    if not hasattr(jtorch, "set_anomaly_enabled"):
        pytest.skip("jtorch/__init__.py does not re-export the anomaly flags yet")
    for lib in LIBS:
        lib.set_anomaly_enabled(True, False)
        assert _flags(lib) == (True, False)
        lib.set_anomaly_enabled(False)
        assert _flags(lib) == (False, True)


def test_detect_anomaly_is_not_a_decorator():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        raises_like(lambda: jtorch.autograd.detect_anomaly()(lambda: None),
                    lambda: torch.autograd.detect_anomaly()(lambda: None))


def _nan_backward(lib):
    x = lib.tensor([0.0, 1.0], requires_grad=True)
    with lib.autograd.detect_anomaly():
        y = x.sqrt()  # the forward line both tracebacks must end at
        (y * 0).sum().backward()


def test_nan_in_backward_raises_and_names_node():
    (te, tw), (je, jw) = [_recorded(lambda lib=lib: _nan_backward(lib)) for lib in LIBS]
    assert type(je) is type(te) is RuntimeError
    assert str(je) == str(te) == "Function 'SqrtBackward0' returned nan values in its 0th output."
    assert [c for c, _ in jw] == [c for c, _ in tw] == [UserWarning, UserWarning]
    tmsg, jmsg = _first_line(tw[1][1]), _first_line(jw[1][1])
    head = "Error detected in SqrtBackward0. Traceback of forward call that caused the error:\n"
    assert tmsg.startswith(head) and jmsg.startswith(head)
    # NOTE: the innermost frame is the same source line in both (the user's forward call);
    # the outer frames (pytest's) are the same too.
    assert jmsg.splitlines()[-2:] == tmsg.splitlines()[-2:]
    assert "y = x.sqrt()" in jmsg.splitlines()[-1]


def test_grad_fn_metadata_traceback():
    got = {}
    for lib in LIBS:
        x = lib.tensor([1.0], requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with lib.autograd.detect_anomaly():
                y = x.exp()  # recorded
        z = x.exp()
        got[lib] = (sorted(y.grad_fn.metadata), y.grad_fn.metadata["traceback_"][-1],
                    dict(z.grad_fn.metadata))
    assert got[jtorch] == got[torch]


def test_check_nan_false_lets_nan_through():
    res = {}
    for lib in LIBS:
        x = lib.tensor([0.0, 4.0], requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with lib.autograd.detect_anomaly(check_nan=False):
                (x.sqrt() * 0).sum().backward()
        res[lib] = x.grad
    close(res[jtorch], res[torch])
    assert np.isnan(res[jtorch].numpy()[0])


def test_without_anomaly_no_error():
    res = {}
    for lib in LIBS:
        x = lib.tensor([0.0], requires_grad=True)
        (x.sqrt() * 0).sum().backward()  # NOTE: the fused backward path in jtorch
        res[lib] = x.grad
    close(res[jtorch], res[torch])


def test_node_recorded_outside_anomaly_has_no_forward_info():
    def run(lib):
        x = lib.tensor([0.0], requires_grad=True)
        y = x.sqrt()
        with lib.autograd.detect_anomaly():
            (y * 0).sum().backward()
    (te, tw), (je, jw) = [_recorded(lambda lib=lib: run(lib)) for lib in LIBS]
    assert str(je) == str(te)
    assert [_first_line(m) for _, m in jw] == [_first_line(m) for _, m in tw]


def test_error_in_backward_prints_forward_traceback():
    def run(lib):
        a = lib.tensor([1.0], requires_grad=True)
        with lib.autograd.detect_anomaly():
            b = a.exp()
            b.add_(1)
            b.sum().backward()
    (te, tw), (je, jw) = [_recorded(lambda lib=lib: run(lib)) for lib in LIBS]
    assert type(je) is type(te) is RuntimeError
    # NOTE: torch's hint changes under anomaly mode; jtorch's _saved.version_error owns it.
    assert str(je).split(" Hint:")[0] == str(te).split(" Hint:")[0]
    t1, j1 = _first_line(tw[1][1]), _first_line(jw[1][1])
    assert j1.splitlines()[0] == t1.splitlines()[0] == \
        "Error detected in ExpBackward0. Traceback of forward call that caused the error:"
    assert j1.splitlines()[-1] == t1.splitlines()[-1]


def test_double_backward_names_parent():
    def run(lib):
        x = lib.tensor([0.0, 1.0], requires_grad=True)
        with lib.autograd.detect_anomaly():
            y = x.sqrt()
            g, = lib.autograd.grad(y.sum(), x, create_graph=True)
            (g * 0).sum().backward()
    (te, tw), (je, jw) = [_recorded(lambda lib=lib: run(lib)) for lib in LIBS]
    assert type(je) is type(te) is RuntimeError
    # NOTE: the failing double-backward node differs by design (torch: DivBackward0 of its
    # sqrt formula; jtorch: SqrtBackwardBackward0, the recompute-VJP node); the parent and its
    # forward traceback are the same.
    assert "returned nan values" in str(je)
    parent = "\n\nPrevious calculation was induced by SqrtBackward0. Traceback of forward call " \
             "that induced the previous calculation:\n"
    tp = [_first_line(m) for _, m in tw if m.startswith("\n\nPrevious")]
    jp = [_first_line(m) for _, m in jw if m.startswith("\n\nPrevious")]
    assert len(tp) == len(jp) == 1
    assert tp[0].startswith(parent) and jp[0].startswith(parent)
    assert jp[0].splitlines()[-1] == tp[0].splitlines()[-1]


def _custom(lib):
    class NanBack(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g * float("nan")
    return NanBack


def test_custom_function_nan_names_function():
    def run(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        with lib.autograd.detect_anomaly():
            _custom(lib).apply(x).sum().backward()
    (te, _), (je, _) = [_recorded(lambda lib=lib: run(lib)) for lib in LIBS]
    assert type(je) is type(te) is RuntimeError
    assert str(je) == str(te) == "Function 'NanBackBackward' returned nan values in its 0th output."


def test_second_output_index_and_anomaly_restored():
    def run(lib):
        a = lib.tensor([float("inf")], requires_grad=True)
        b = lib.tensor([0.0], requires_grad=True)
        with lib.autograd.detect_anomaly():
            (a * b * 0).sum().backward()  # d/db of a*b is 0 * inf: NaN in output 1 only
    (te, _), (je, _) = [_recorded(lambda lib=lib: run(lib)) for lib in LIBS]
    assert type(je) is type(te) is RuntimeError
    assert str(je) == str(te) == "Function 'MulBackward0' returned nan values in its 1th output."
    for lib in LIBS:
        assert _flags(lib) == (False, True)
