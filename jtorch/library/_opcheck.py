"""torch.library.opcheck: an honest subset of torch's operator registration checks."""
from ._custom_op import fake_ctx
from ._library import entry_of

__all__ = ["opcheck", "OpCheckError"]

DEFAULT_TEST_UTILS = ("test_schema", "test_autograd_registration", "test_faketensor",
                      "test_aot_dispatch_dynamic")


class OpCheckError(Exception):
    """Raised by opcheck when a check fails."""


def _flat(out):
    return list(out) if isinstance(out, (tuple, list)) else [out]


def _clone_args(args, requires_grad=None):
    from .._tensor import Tensor

    def c(v):
        if isinstance(v, Tensor):
            t = v.detach().clone()
            rg = v.requires_grad if requires_grad is None else requires_grad(v)
            return t.requires_grad_(rg)
        if isinstance(v, (list, tuple)):
            return type(v)(c(x) for x in v)
        return v
    return tuple(c(a) for a in args)


def _test_schema(entry, call, args, kwargs):
    """Only the arguments the schema marks mutable may change."""
    from .. import equal
    from .._tensor import Tensor
    before = _clone_args(args)
    with_grad_off = _clone_args(args, lambda v: False)
    call(*with_grad_off, **kwargs)
    for a, b4, after in zip(entry.schema.arguments, before, with_grad_off):
        if isinstance(after, Tensor) and not a.is_write and not equal(b4.detach(), after):
            raise OpCheckError(f"Argument {a.name} is not defined as mutable but was mutated")


def _test_faketensor(entry, call, args, kwargs, out):
    from .._tensor import Tensor
    if entry.fake is None:
        if entry.composite is not None:
            return
        name = entry.qualname.split("::")[1]
        raise OpCheckError(f"There was no fake impl registered for <CustomOpDef("
                           f"{entry.qualname})>. This is necessary for torch.compile/export/fx "
                           f"tracing to work. Please use `{name}.register_fake` to add an fake "
                           f"impl.")
    values = entry.bind(args, kwargs)
    # NOTE: jtorch has no FakeTensor: the fake kernel sees real (detached) tensors and only
    # its outputs' metadata is compared.
    with fake_ctx():
        fake = entry.fake(*_clone_args(values, lambda v: False))
    for r, f in zip(_flat(out), _flat(fake)):
        if not isinstance(r, Tensor):
            continue
        if tuple(r.shape) != tuple(f.shape):
            raise OpCheckError(
                f"When comparing the output of {entry.dotted} on FakeTensor and concrete Tensors, "
                f"found mismatched tensor metadata: Shapes {r.shape} and {f.shape} are not equal!")
        if r.dtype != f.dtype:
            raise OpCheckError(
                f"When comparing the output of {entry.dotted} on FakeTensor and concrete Tensors, "
                f"found mismatched tensor metadata: Dtypes {r.dtype} and {f.dtype} are not equal!")


def _test_autograd_registration(entry, args):
    """A Library op with device kernels must have autograd registered (custom ops always do:
    theirs raises at backward time, which _test_backward reports)."""
    from .._tensor import Tensor
    if any(isinstance(a, Tensor) and a.requires_grad for a in args) and not entry.custom_op \
            and entry.backward is None and entry.composite is None:
        raise OpCheckError(f"{entry.dotted}: an input requires grad but the operator has kernels "
                           f"for {sorted(map(str, entry.kernels))} and no autograd formula. "
                           f"Please use register_autograd to add one.")


def _test_backward(entry, call, args, kwargs, atol, rtol):
    """jtorch's stand-in for test_aot_dispatch_dynamic: backward through the op, checked
    against finite differences."""
    from .._tensor import Tensor
    from ..autograd.gradcheck import gradcheck
    diff = [isinstance(a, Tensor) and a.requires_grad for a in args]
    if not any(diff):
        return
    if entry.backward is None and entry.composite is None:
        raise OpCheckError(f"Trying to backward through {entry.dotted} but no autograd formula "
                           f"was registered. Please use register_autograd to add one.")
    from .. import float64
    # NOTE: checked against finite differences in float64 (gradcheck), as torch's gradcheck
    # users do; a kernel that cannot run in float64 fails this check.
    dargs = tuple(a.detach().to(float64).requires_grad_(True) if d else a
                  for a, d in zip(args, diff))

    def f(*xs):
        return call(*xs, **kwargs)
    try:
        gradcheck(f, dargs, atol=atol or 1e-5, rtol=rtol or 1e-3)
    except Exception as e:  # noqa: BLE001
        raise OpCheckError(f"{entry.dotted}: the registered backward does not match finite "
                           f"differences: {e}") from e


def opcheck(op, args, kwargs=None, *, test_utils=DEFAULT_TEST_UTILS, raise_exception=True,
            atol=None, rtol=None):
    """Run op on args and check schema mutation, fake kernel metadata and autograd; -> results."""
    entry = entry_of(op)
    kwargs = kwargs or {}
    from ._dispatch import call_op

    def call(*a, **k):
        return call_op(entry, a, k)
    if isinstance(test_utils, str):
        test_utils = (test_utils,)
    out = call(*_clone_args(args), **kwargs)
    results = {}
    for name in test_utils:
        try:
            if name == "test_schema":
                _test_schema(entry, call, args, kwargs)
            elif name == "test_faketensor":
                _test_faketensor(entry, call, args, kwargs, out)
            elif name == "test_autograd_registration":
                _test_autograd_registration(entry, args)
            elif name == "test_aot_dispatch_dynamic":
                # NOTE: jtorch has no AOTAutograd; this runs backward through the op and checks
                # it against finite differences (stricter than torch, which does not compare
                # gradient values).
                _test_backward(entry, call, args, kwargs, atol, rtol)
            else:
                raise ValueError(f"test_utils must be a subset of {DEFAULT_TEST_UTILS}, but got "
                                 f"{name}")
        except OpCheckError as e:
            if raise_exception:
                raise OpCheckError(f"opcheck(op, ...): {name} failed with {e}") from e
            results[name] = e
            continue
        results[name] = "SUCCESS"
    return results
