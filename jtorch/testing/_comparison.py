"""torch.testing.assert_close: tensors, numbers and nested containers of them compared like torch."""
import cmath
import collections.abc

import numpy as np

__all__ = ["assert_close", "default_tolerances"]


class _Mismatch(Exception):
    """An error to raise (type and message) and the container path where it occurred."""

    def __init__(self, type, msg, id=()):
        super().__init__(msg)
        self.type, self.msg, self.id = type, msg, id

    def to_error(self, msg=None):
        """The user-facing exception (msg: a string, or a callable editing the generated one)."""
        if not isinstance(msg, str):
            generated = self.msg
            if self.id:
                generated += f"\n\nThe failure occurred for item {''.join(str([i]) for i in self.id)}"
            msg = msg(generated) if callable(msg) else generated
        return self.type(msg)


class _Unsupported(Exception):
    """This comparison kind does not handle these inputs; try the next."""


def _precisions():
    import jtorch
    # NOTE: torch's table of per-dtype (rtol, atol); every other dtype compares exactly.
    return {jtorch.float16: (0.001, 1e-5), jtorch.bfloat16: (0.016, 1e-5),
            jtorch.float32: (1.3e-6, 1e-5), jtorch.float64: (1e-7, 1e-7),
            jtorch.complex64: (1.3e-6, 1e-5), jtorch.complex128: (1e-7, 1e-7)}


def default_tolerances(*inputs):
    """The loosest (rtol, atol) over the inputs' dtypes (tensors or dtypes)."""
    import jtorch
    table = _precisions()
    dtypes = [x.dtype if isinstance(x, jtorch.Tensor) else x for x in inputs]
    rtols, atols = zip(*[table.get(d, (0.0, 0.0)) for d in dtypes])
    return max(rtols), max(atols)


def _tolerances(*inputs, rtol, atol, id):
    if (rtol is None) ^ (atol is None):
        raise _Mismatch(ValueError, "Both 'rtol' and 'atol' must be either specified or omitted, "
                        f"but got no {'rtol' if rtol is None else 'atol'}.", id)
    if rtol is not None:
        return rtol, atol
    return default_tolerances(*inputs)


def _mismatch_msg(identifier, extra, abs_diff, abs_idx, atol, rel_diff, rel_idx, rtol):
    equality = rtol == 0 and atol == 0

    def diff_msg(kind, diff, idx, tol):
        msg = (f"{kind.title()} difference: {diff}" if idx is None
               else f"Greatest {kind} difference: {diff} at index {idx}")
        return msg + ("" if equality else f" (up to {tol} allowed)") + "\n"
    msg = f"{identifier} are not {'equal' if equality else 'close'}!\n\n"
    if extra:
        msg += f"{extra.strip()}\n"
    msg += diff_msg("absolute", abs_diff, abs_idx, atol)
    msg += diff_msg("relative", rel_diff, rel_idx, rtol)
    return msg.strip()


def _scalar_msg(actual, expected, rtol, atol):
    abs_diff = abs(actual - expected)
    rel_diff = float("inf") if expected == 0 else abs_diff / abs(expected)
    return _mismatch_msg("Scalars", f"Expected {expected} but got {actual}.", abs_diff, None,
                         atol, rel_diff, None, rtol)


def _tensor_msg(actual, expected, matches, rtol, atol):
    import jtorch
    shape = tuple(matches.shape)
    numel = matches.numel()
    mismatches = numel - int(jtorch.sum(matches))
    extra = f"Mismatched elements: {mismatches} / {numel} ({mismatches / numel:.1%})"
    a, e, m = actual.flatten(), expected.flatten(), matches.flatten()
    if not actual.dtype.is_floating_point and not actual.dtype.is_complex:
        a, e = a.to(jtorch.int64), e.to(jtorch.int64)
    abs_diff = jtorch.where(m, 0, jtorch.abs(a - e))  # only mismatches count
    max_abs, abs_idx = jtorch.max(abs_diff, 0)
    rel_diff = jtorch.where(m, 0, abs_diff / jtorch.abs(e))
    max_rel, rel_idx = jtorch.max(rel_diff, 0)

    def unravel(flat):
        return tuple(int(i) for i in np.unravel_index(int(flat), shape)) if shape else ()
    return _mismatch_msg("Tensor-likes", extra, max_abs.item(), unravel(abs_idx), atol,
                         max_rel.item(), unravel(rel_idx), rtol)


def _compare_none(actual, expected, id, **_):
    if not (actual is None or expected is None):
        raise _Unsupported
    def check():
        if not (actual is None and expected is None):
            raise _Mismatch(AssertionError, f"None mismatch: {actual} is not {expected}", id)
    return check


def _compare_bool(actual, expected, id, **_):
    kinds = (bool, np.bool_)
    if not (isinstance(actual, kinds) and isinstance(expected, kinds)):
        raise _Unsupported
    actual, expected = bool(actual), bool(expected)

    def check():
        if actual is not expected:
            raise _Mismatch(AssertionError, f"Booleans mismatch: {actual} is not {expected}", id)
    return check


def _compare_number(actual, expected, id, rtol, atol, equal_nan, check_dtype, **_):
    import jtorch
    kinds = (int, float, complex, np.number)
    if not (isinstance(actual, kinds) and isinstance(expected, kinds)):
        raise _Unsupported
    actual, expected = (x.item() if isinstance(x, np.number) else x for x in (actual, expected))
    as_dtype = {int: jtorch.int64, float: jtorch.float64, complex: jtorch.complex128}
    rtol, atol = _tolerances(as_dtype[type(actual)], as_dtype[type(expected)], rtol=rtol,
                             atol=atol, id=id)

    def check():
        if check_dtype and type(actual) is not type(expected):
            raise _Mismatch(AssertionError, f"The (d)types do not match: {type(actual)} != "
                            f"{type(expected)}.", id)
        if actual == expected:
            return
        if equal_nan and cmath.isnan(actual) and cmath.isnan(expected):
            return
        abs_diff = abs(actual - expected)
        if cmath.isfinite(abs_diff) and abs_diff <= atol + rtol * abs(expected):
            return
        raise _Mismatch(AssertionError, _scalar_msg(actual, expected, rtol, atol), id)
    return check


def _to_tensor(x):
    import jtorch
    if isinstance(x, jtorch.Tensor):
        return x
    try:
        return jtorch.as_tensor(x)
    except Exception:
        raise _Unsupported from None


def _compare_tensor(actual, expected, id, allow_subclasses, rtol, atol, **options):
    if not (isinstance(actual, type(expected)) or isinstance(expected, type(actual))):
        raise _Unsupported
    if not allow_subclasses and type(actual) is not type(expected):
        raise _Unsupported
    actual, expected = _to_tensor(actual), _to_tensor(expected)
    rtol, atol = _tolerances(actual, expected, rtol=rtol, atol=atol, id=id)
    return lambda: _check_tensors(actual, expected, id, rtol, atol, **options)


def _check_tensors(actual, expected, id, rtol, atol, equal_nan, check_device, check_dtype,
                   check_layout, check_stride):
    import jtorch

    def fail(attr, a, e):
        raise _Mismatch(AssertionError,
                        f"The values for attribute '{attr}' do not match: {a} != {e}.", id)
    if actual.shape != expected.shape:
        fail("shape", actual.shape, expected.shape)
    if actual.layout != expected.layout:
        if check_layout:
            fail("layout", actual.layout, expected.layout)
    elif check_stride and actual.stride() != expected.stride():
        fail("stride()", actual.stride(), expected.stride())
    if check_device and actual.device != expected.device:
        fail("device", actual.device, expected.device)
    if check_dtype and actual.dtype != expected.dtype:
        fail("dtype", actual.dtype, expected.dtype)
    if actual.device.type == "meta" or expected.device.type == "meta":
        return
    if actual.device != expected.device:
        actual, expected = actual.cpu(), expected.cpu()
    if actual.dtype != expected.dtype:
        wide = {jtorch.uint16, jtorch.uint32, jtorch.uint64}
        da = jtorch.int64 if actual.dtype in wide else actual.dtype
        de = jtorch.int64 if expected.dtype in wide else expected.dtype
        dtype = jtorch.promote_types(da, de)
        actual, expected = actual.to(dtype), expected.to(dtype)
    actual, expected = actual.detach(), expected.detach()
    matches = jtorch.isclose(actual, expected, rtol=rtol, atol=atol, equal_nan=equal_nan)
    if bool(jtorch.all(matches)):
        return
    if actual.dim() == 0:
        msg = _scalar_msg(actual.item(), expected.item(), rtol, atol)
    else:
        msg = _tensor_msg(actual, expected, matches, rtol, atol)
    raise _Mismatch(AssertionError, msg, id)


_COMPARISONS = (_compare_none, _compare_bool, _compare_number, _compare_tensor)


def _originate(actual, expected, id, options, checks):
    """Walk the containers, appending one check per leaf; structural errors raise _Mismatch."""
    seq = collections.abc.Sequence
    if (isinstance(actual, seq) and not isinstance(actual, str)
            and isinstance(expected, seq) and not isinstance(expected, str)):
        if len(actual) != len(expected):
            raise _Mismatch(AssertionError, f"The length of the sequences mismatch: "
                            f"{len(actual)} != {len(expected)}", id)
        for i in range(len(actual)):
            _originate(actual[i], expected[i], (*id, i), options, checks)
        return
    mapping = collections.abc.Mapping
    if isinstance(actual, mapping) and isinstance(expected, mapping):
        ak, ek = set(actual.keys()), set(expected.keys())
        if ak != ek:
            raise _Mismatch(AssertionError, "The keys of the mappings do not match:\n"
                            f"Missing keys in the actual mapping: {sorted(ek - ak)}\n"
                            f"Additional keys in the actual mapping: {sorted(ak - ek)}", id)
        keys = ak
        try:
            keys = sorted(keys)
        except Exception:  # NOTE: unorderable keys are compared in set order, as torch does
            pass
        for k in keys:
            _originate(actual[k], expected[k], (*id, k), options, checks)
        return
    for compare in _COMPARISONS:
        try:
            checks.append(compare(actual, expected, id=id, **options))
            return
        except _Unsupported:
            continue
    raise _Mismatch(TypeError, f"No comparison pair was able to handle inputs of type "
                    f"{type(actual)} and {type(expected)}.", id)


def assert_close(actual, expected, *, allow_subclasses=True, rtol=None, atol=None,
                 equal_nan=False, check_device=True, check_dtype=True, check_layout=True,
                 check_stride=False, msg=None):
    """Raise AssertionError unless actual and expected are close (torch's rules and messages)."""
    __tracebackhide__ = True
    options = dict(allow_subclasses=allow_subclasses, rtol=rtol, atol=atol, equal_nan=equal_nan,
                   check_device=check_device, check_dtype=check_dtype, check_layout=check_layout,
                   check_stride=check_stride)
    checks = []
    try:
        _originate(actual, expected, (), options, checks)
    except _Mismatch as m:
        # NOTE: like torch, structure and argument errors come first and ignore `msg`.
        raise m.to_error() from None
    for check in checks:
        try:
            check()
        except _Mismatch as m:
            raise m.to_error(msg) from None
