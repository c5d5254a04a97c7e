"""torch.compiler.set_stance: what jtorch.compile'd functions do while a stance is active.

compiled.py reads STANCE[0] once on its slow path (None means "default" without a forced
backend); the decisions live here (run_eagerly, first_call).
"""
import dataclasses
import functools

__all__ = ["DynamoStance", "set_stance", "STANCE", "run_eagerly", "first_call"]

_VALID = ("default", "force_eager", "eager_on_recompile", "fail_on_recompile",
          "eager_then_compile", "aot_eager_then_compile")
# NOTE: jtorch already runs every compiled function's first call eagerly, so these two stances
# behave as "default".
_AS_DEFAULT = ("default", "eager_then_compile", "aot_eager_then_compile")


@dataclasses.dataclass
class DynamoStance:
    """The compiler's stance (torch._dynamo.eval_frame.DynamoStance)."""
    stance: str = "default"
    skip_guard_eval_unsafe: bool = False
    backend: object = None


_CURRENT = [DynamoStance()]
STANCE = [None]  # NOTE: the active stance unless it is plain "default": compiled.py's one read


def _set(stance):
    """Make `stance` current; returns the previous one."""
    from .compiled import _ALL, is_compiling
    if is_compiling():
        # NOTE: torch forbids tracing set_stance; Dynamo raises this AssertionError.
        raise AssertionError(f"Attempt to trace forbidden callable {set_stance}")
    prev = _CURRENT[0]
    _CURRENT[0] = stance
    STANCE[0] = None if stance.stance == "default" else stance
    if stance.stance not in _AS_DEFAULT:
        # NOTE: a compiled function's fast path replays its last program without asking; drop
        # it so the next call reaches the slow path, which consults the stance.
        for f in list(_ALL):
            f._fast = None
    return prev


class set_stance:
    """Set the compiler's stance; usable as a function, a context manager or a decorator."""

    def __init__(self, stance="default", *, skip_guard_eval_unsafe=False, force_backend=None):
        if force_backend is not None and stance != "default":
            raise RuntimeError("non-default stance cannot have force_backend set")
        self.stance = DynamoStance(stance, skip_guard_eval_unsafe, force_backend)
        self.prev = _set(self.stance)

    def __call__(self, fn):
        _set(self.prev)

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.clone():
                return fn(*args, **kwargs)
        return wrapper

    def __enter__(self):
        _set(self.stance)

    def __exit__(self, exc_type, exc_value, tb):
        _set(self.prev)

    def clone(self):
        """A fresh set_stance with the same settings (entering it sets them again)."""
        return type(self)(self.stance.stance, force_backend=self.stance.backend)


def _check_valid(st):
    if st.stance not in _VALID:
        raise RuntimeError(f"invalid torch.compile stance '{st}'")


def _recompile_error(cf):
    fn = cf.fn
    owner = getattr(fn, "__self__", fn)
    fn = getattr(owner, "forward", fn)  # NOTE: a compiled module: its forward
    code = getattr(fn, "__code__", None)
    return RuntimeError(
        "Detected recompile when torch.compile stance is 'fail_on_recompile'. "
        f"filename: '{getattr(code, 'co_filename', '?')}', "
        f"function name: '{getattr(fn, '__name__', type(fn).__name__)}', "
        f"line number: {getattr(code, 'co_firstlineno', '?')}")


def first_call(cf):
    """The stance's say on a compiled function's first (eager warm-up) call, which stands for
    torch's first compile: fail_on_recompile raises (as torch does), an invalid stance too."""
    st = STANCE[0]
    _check_valid(st)
    if st.stance == "fail_on_recompile":
        raise _recompile_error(cf)


def run_eagerly(cf, leaves, treedef, hit):
    """True when this call of `cf` must run eagerly under the active stance; raises for
    fail_on_recompile when the call would compile. `hit`: a program exists for the call.
    NOTE: a call needing a trace for the same argument key as the warm-up call is no
    recompile (torch compiled on that call and hits its cache now)."""
    st = STANCE[0]
    _check_valid(st)
    if st.stance == "force_eager":
        return True
    if hit or st.stance in _AS_DEFAULT:
        return False
    if not cf._cache and cf._arg_key(leaves, treedef) == getattr(cf, "_warm_key", None):
        return False
    if st.stance == "eager_on_recompile":
        return True
    raise _recompile_error(cf)
