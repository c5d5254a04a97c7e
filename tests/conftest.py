"""Shared pytest setup for jtorch's differential tests (real torch is the oracle).

Real PyTorch is imported normally as `torch` and jtorch as `jtorch`; nothing here aliases one to
the other (the `import torch` -> jtorch shim is exercised in subprocesses by test_compat.py).
Helpers for building the same inputs in both libraries and comparing results live in
`tests/_harness.py`.
"""
import os
import sys

import pytest

_TESTS = os.path.dirname(os.path.abspath(__file__))
_ROOT = os.path.dirname(_TESTS)
# NOTE: make `import jtorch` (repo checkout) and `import _harness` work however pytest is run.
for _p in (_ROOT, _TESTS):
    if _p not in sys.path:
        sys.path.insert(0, _p)


@pytest.fixture(autouse=True)
def _restore_global_state():
    """Tests may change the default dtype / device; put both libraries back afterwards."""
    yield
    try:
        import torch
        if torch.get_default_dtype() is not torch.float32:
            torch.set_default_dtype(torch.float32)
    except ImportError:  # pragma: no cover - torch is a test dependency
        pass
    jt = sys.modules.get("jtorch")
    if jt is not None:
        if jt.get_default_dtype() is not jt.float32:
            jt.set_default_dtype(jt.float32)
        if hasattr(jt, "set_default_device") and str(jt.get_default_device()) != "cpu":
            jt.set_default_device(None)
