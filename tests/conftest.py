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


def _enable_jax_compilation_cache():
    """Reuse compiled XLA programs across test runs (JAX's persistent cache): a cold run compiles
    every op signature once (~40 ms each); later runs load them (~5x faster). It is keyed by
    the program and the JAX/XLA versions, and tracing still runs every time, so jtorch's
    trace-time checks are exercised either way. JTORCH_TEST_JAX_CACHE=0 turns it off; a path
    there moves it (default: .pytest_cache/jax-compilation-cache in the repo)."""
    where = os.environ.get("JTORCH_TEST_JAX_CACHE", "")
    if where == "0":
        return
    import jax
    if jax.config.jax_compilation_cache_dir:
        return  # configured by the user already
    jax.config.update("jax_compilation_cache_dir",
                      where or os.path.join(_ROOT, ".pytest_cache", "jax-compilation-cache"))
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
    _atomic_cache_writes()


def _atomic_cache_writes():
    """Make JAX's persistent-cache writes atomic (temp file + rename).

    NOTE: without a size limit JAX's file cache writes an entry in place and unlocked; an xdist
    worker reading an entry the other worker is still writing deserializes a truncated
    executable and the interpreter aborts ('Fatal Python error: Aborted' in
    compilation_cache.get_executable_and_time, seen in two full runs this session). A rename
    is atomic on POSIX, so readers see a whole entry or none. Skipped if JAX's internals moved.
    """
    try:
        from jax._src import lru_cache
        suffix = lru_cache._CACHE_SUFFIX
        orig_put = lru_cache.LRUCache.put
    except (ImportError, AttributeError):
        return

    def put(self, key, value):
        if getattr(self, "eviction_enabled", True) or not key:
            return orig_put(self, key, value)  # NOTE: eviction mode takes a file lock already
        path = self.path / f"{key}{suffix}"
        if path.exists():
            return
        tmp = self.path / f".{key}{suffix}.{os.getpid()}.tmp"
        tmp.write_bytes(value)
        os.replace(tmp, path)

    lru_cache.LRUCache.put = put


_enable_jax_compilation_cache()


@pytest.fixture(autouse=True)
def _restore_global_state():
    """Tests may change the default dtype / device; put both libraries back afterwards."""
    yield
    try:
        import torch
        if torch.get_default_dtype() is not torch.float32:
            torch.set_default_dtype(torch.float32)
        # NOTE: torch's Dynamo, on its first torch.compile in a process, turns the oracle's
        # distribution argument validation off for good (eval_frame: set_default_validate_args
        # (False)); tests that compile with real torch must not change later tests' oracle.
        torch.distributions.Distribution._validate_args = __debug__
    except ImportError:  # pragma: no cover - torch is a test dependency
        pass
    jt = sys.modules.get("jtorch")
    if jt is not None:
        if jt.get_default_dtype() is not jt.float32:
            jt.set_default_dtype(jt.float32)
        if hasattr(jt, "set_default_device") and str(jt.get_default_device()) != "cpu":
            jt.set_default_device(None)
