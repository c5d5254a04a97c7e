"""Process-wide knobs torch exposes at top level (threads, matmul precision, determinism, ...).

jtorch computes through JAX/XLA, so most of these are stored settings that read back like torch's
but do not change computation; each docstring says what jtorch does with it.
"""
import builtins
import os
import platform
import warnings

__all__ = ["set_num_threads", "get_num_threads", "set_num_interop_threads",
           "get_num_interop_threads", "set_float32_matmul_precision",
           "get_float32_matmul_precision", "use_deterministic_algorithms",
           "are_deterministic_algorithms_enabled", "is_deterministic_algorithms_warn_only_enabled",
           "set_deterministic_debug_mode", "get_deterministic_debug_mode", "set_warn_always",
           "is_warn_always_enabled", "set_flush_denormal"]


def _default_threads():
    """torch's default intra-op thread count: OMP_NUM_THREADS, else the CPUs this process may use."""
    env = os.environ.get("OMP_NUM_THREADS", "")
    if env.isdigit() and int(env) > 0:
        return int(env)
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # NOTE: no sched_getaffinity outside Linux
        return os.cpu_count() or 1


def _default_interop_threads():
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


_state = {"num_threads": None, "num_interop_threads": None, "interop_set": False,
          "matmul_precision": "highest", "deterministic": False, "warn_only": False,
          "warn_always": False, "flush_denormal": False}


def _positive_int(value, name):
    if type(value) is not builtins.int:  # NOTE: torch rejects bool too ("got bool")
        raise RuntimeError(f"{name} expects an int, but got {type(value).__name__}")
    if value <= 0:
        raise RuntimeError(f"{name} expects a positive integer")
    return value


def _bool(value, message):
    if not isinstance(value, builtins.bool):
        raise RuntimeError(f"{message} expects a bool, but got {type(value).__name__}")
    return value


def set_num_threads(int):
    """Set the intra-op thread count (stored; XLA sizes its own CPU thread pool)."""
    _state["num_threads"] = _positive_int(int, "set_num_threads")


def get_num_threads():
    """The intra-op thread count: the value set, else torch's default for this machine."""
    n = _state["num_threads"]
    return _default_threads() if n is None else n


def set_num_interop_threads(int):
    """Set the inter-op thread count once, before any parallel work (stored only, as in torch)."""
    _positive_int(int, "set_num_interop_threads")
    if _state["interop_set"]:
        raise RuntimeError("Error: cannot set number of interop threads after parallel work has "
                           "started or set_num_interop_threads called")
    _state["num_interop_threads"], _state["interop_set"] = int, True


def get_num_interop_threads():
    """The inter-op thread count: the value set, else torch's default for this machine."""
    n = _state["num_interop_threads"]
    return _default_interop_threads() if n is None else n


def set_float32_matmul_precision(precision):
    """Store the float32 matmul precision ('highest', 'high' or 'medium').

    jtorch computes float32 matmuls, convolutions and einsums at full precision ('highest',
    lax.Precision.HIGHEST) whatever this says; the setting is stored and read back only.
    """
    # NOTE: each matmul call site passes precision=lax.Precision.HIGHEST explicitly, which
    # overrides jax_default_matmul_precision, so there is no central switch to flip here.
    if not isinstance(precision, str):
        raise RuntimeError(f"set_float32_matmul_precision expects a str, but got "
                           f"{type(precision).__name__}")
    if precision not in ("highest", "high", "medium"):
        warnings.warn(f"{precision} is not one of 'highest', 'high', or 'medium'; the current"
                      "setFloat32MatmulPrecision call has no effect.", UserWarning, stacklevel=2)
        return
    _state["matmul_precision"] = precision


def get_float32_matmul_precision():
    """The stored float32 matmul precision (default 'highest')."""
    return _state["matmul_precision"]


def use_deterministic_algorithms(mode, *, warn_only=False):
    """Store whether deterministic algorithms are required (XLA on CPU is deterministic anyway)."""
    for name, value in (("mode", mode), ("warn_only", warn_only)):
        if not isinstance(value, builtins.bool):
            where = "(position 1) " if name == "mode" else ""
            raise TypeError(f"_set_deterministic_algorithms(): argument '{name}' {where}must be "
                            f"bool, not {type(value).__name__}")
    _state["deterministic"], _state["warn_only"] = mode, warn_only


def are_deterministic_algorithms_enabled():
    """Whether use_deterministic_algorithms(True) is in effect."""
    return _state["deterministic"]


def is_deterministic_algorithms_warn_only_enabled():
    """Whether use_deterministic_algorithms(True, warn_only=True) is in effect."""
    return _state["warn_only"]


def set_deterministic_debug_mode(debug_mode):
    """0/'default': off, 1/'warn': warn only, 2/'error': deterministic algorithms required."""
    if isinstance(debug_mode, str):
        names = ("default", "warn", "error")
        if debug_mode not in names:
            raise RuntimeError("invalid value of debug_mode, expected one of `default`, `warn`, "
                               f"`error`, but got {debug_mode}")
        debug_mode = names.index(debug_mode)
    elif not isinstance(debug_mode, builtins.int):
        raise TypeError(f"debug_mode must be str or int, but got {type(debug_mode)}")
    if debug_mode not in (0, 1, 2):
        raise RuntimeError(f"invalid value of debug_mode, expected 0, 1, or 2, but got {debug_mode}")
    use_deterministic_algorithms(debug_mode != 0, warn_only=debug_mode == 1)


def get_deterministic_debug_mode():
    """0 (off), 1 (warn) or 2 (error), from the deterministic-algorithms settings."""
    if not _state["deterministic"]:
        return 0
    return 1 if _state["warn_only"] else 2


def set_warn_always(b):
    """Store whether once-only warnings should be issued every time."""
    _state["warn_always"] = _bool(b, "setWarnOnlyOnce")


def is_warn_always_enabled():
    """Whether set_warn_always(True) is in effect."""
    return _state["warn_always"]


def set_flush_denormal(mode):
    """Store the flush-denormal mode; True where torch's CPU supports it (x86-64, arm64).

    jtorch does not change XLA's floating-point mode, so this has no effect on computation.
    """
    _state["flush_denormal"] = _bool(mode, "flush_denormal")
    return platform.machine().lower() in ("x86_64", "amd64", "aarch64", "arm64")
