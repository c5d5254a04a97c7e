"""torch.autograd.anomaly_mode: detect_anomaly, set_detect_anomaly and the engine's checks."""
import os
import traceback
import warnings

import jax.numpy as jnp

from .._ops.registry import hooks
from . import graph

__all__ = ["detect_anomaly", "set_detect_anomaly"]

# NOTE: process-global like torch's AnomalyMode (not thread-local). The engine reads _ENABLED
# once per backward; _CURRENT is the node the engine is running (the "parent" of nodes recorded
# by a create_graph backward), kept only while anomaly mode is on.
_ENABLED = False
_CHECK_NAN = True
_CURRENT = None
_PREV_RECORD = [None]

_JTORCH_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep
_ANOMALY_MSG = ("Anomaly Detection has been enabled. This mode will increase the runtime and "
                "should only be enabled for debugging.")
_NO_INFO = ("No forward pass information available. Enable detect anomaly during forward pass "
            "for more information.")


def is_anomaly_enabled():
    """Whether autograd anomaly detection is on."""
    return _ENABLED


def is_anomaly_check_nan_enabled():
    """Whether anomaly detection raises on NaN gradients."""
    return _CHECK_NAN


def set_anomaly_enabled(enabled, check_nan=True):
    """Turn anomaly detection on or off (torch._C's set_anomaly_enabled)."""
    global _ENABLED, _CHECK_NAN
    _ENABLED = bool(enabled)
    _CHECK_NAN = bool(check_nan)
    # NOTE: the forward traceback is stored by wrapping dispatch's single tape hook while the
    # mode is on, so recording costs nothing extra when it is off; whatever hook was installed
    # before (the tape's record, or another layer's wrapper of it) is restored afterwards.
    if _ENABLED and hooks.record is not _record_with_stack:
        _PREV_RECORD[0] = hooks.record
        hooks.record = _record_with_stack
    elif not _ENABLED and hooks.record is _record_with_stack:
        hooks.record = _PREV_RECORD[0]


class detect_anomaly:
    """Context manager enabling anomaly detection for the autograd engine."""

    def __init__(self, check_nan=True) -> None:
        self.prev = is_anomaly_enabled()
        self.check_nan = check_nan
        self.prev_check_nan = is_anomaly_check_nan_enabled()
        warnings.warn(_ANOMALY_MSG, stacklevel=2)

    def __enter__(self) -> None:
        set_anomaly_enabled(True, self.check_nan)

    def __exit__(self, *args) -> None:
        set_anomaly_enabled(self.prev, self.prev_check_nan)


class set_detect_anomaly:
    """Set anomaly detection on or off, as a function or as a context manager."""

    def __init__(self, mode, check_nan=True) -> None:
        self.prev = is_anomaly_enabled()
        self.prev_check_nan = is_anomaly_check_nan_enabled()
        set_anomaly_enabled(mode, check_nan)

    def __enter__(self) -> None:
        pass

    def __exit__(self, *args) -> None:
        set_anomaly_enabled(self.prev, self.prev_check_nan)


# ---- forward side: remember where each node was recorded ------------------------------------

def _format_stack():
    """The Python stack as torch.fx.traceback.format_stack gives it, without jtorch's own
    innermost frames (torch's ops are C++ there, so its stack ends at the caller)."""
    frames = traceback.extract_stack()
    end = len(frames)
    while end > 0 and frames[end - 1].filename.startswith(_JTORCH_DIR):
        end -= 1
    return traceback.format_list(frames[:end])


def stamp(metadata):
    """Store the forward traceback (and the running backward node) in a node's metadata."""
    metadata["traceback_"] = _format_stack()
    if _CURRENT is not None:
        metadata["parent_"] = _CURRENT


def _record_with_stack(o, statics, args, arrs, res):
    _PREV_RECORD[0](o, statics, args, arrs, res)
    if not _ENABLED:  # NOTE: another layer wrapped this hook after us; we could not unhook
        return
    for r in ((res,) if o.nout == 1 else res):
        n = r._gfn
        if n is not None:
            stamp(n.metadata)
            return


# ---- backward side: the engine's checks -----------------------------------------------------

def check_nan(node, grads):
    """torch's engine check: raise if a node's backward produced NaN in any output."""
    T = hooks.tensor_cls
    k = 0
    for e, g in zip(node._edges, grads):
        if e is False:  # NOTE: not a Tensor argument: no output of torch's backward function
            continue
        if g is not None:
            a = g._arr() if isinstance(g, T) else g
            if graph.grad_kind(a.dtype) in "fc" and bool(jnp.isnan(a).any()):
                raise RuntimeError(f"Function '{node.name()}' returned nan values in its {k}th "
                                   f"output.")
        k += 1


def warn_stack(node):
    """Warn with the forward traceback of the node whose backward failed (and its parents)."""
    name = node.name()
    md = getattr(node, "metadata", None) or {}
    tb = md.get("traceback_")
    if tb is None:
        warnings.warn(f"Error detected in {name}. {_NO_INFO}", stacklevel=2)
        return
    warnings.warn(f"Error detected in {name}. Traceback of forward call that caused the error:\n"
                  + "".join(tb), stacklevel=2)
    parent = md.get("parent_")
    while parent is not None:
        pname = parent.name()
        pmd = getattr(parent, "metadata", None) or {}
        ptb = pmd.get("traceback_")
        if ptb is None:
            warnings.warn(f"Error detected in {pname}. {_NO_INFO}", stacklevel=2)
        else:
            warnings.warn(f"\n\nPrevious calculation was induced by {pname}. Traceback of forward "
                          f"call that induced the previous calculation:\n" + "".join(ptb),
                          stacklevel=2)
        parent = pmd.get("parent_")
