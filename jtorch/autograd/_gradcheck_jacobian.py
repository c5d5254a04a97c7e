"""Numerical (finite-difference) and analytical (backward) Jacobians for torch.autograd.gradcheck,
and torch's older public Jacobian helpers (get_numerical_jacobian, get_analytical_jacobian, ...).

NOTE: private; everything public here is re-exported from jtorch.autograd.gradcheck (torch's path).
"""
import collections.abc
import warnings

from .._tensor import Tensor

__all__ = ["GradcheckError", "get_numerical_jacobian", "get_analytical_jacobian",
           "get_numerical_jacobian_wrt_specific_input"]


class GradcheckError(RuntimeError):
    """Error raised by gradcheck and gradgradcheck."""


def _lib():
    import jtorch
    return jtorch


def _as_tuple(x):
    if isinstance(x, tuple):
        return x
    if isinstance(x, list):
        return tuple(x)
    return (x,)


def _iter_tensors(x, only_requiring_grad=False):
    if isinstance(x, Tensor):
        if x.requires_grad or not only_requiring_grad:
            yield x
    elif isinstance(x, collections.abc.Iterable) and not isinstance(x, str):
        for elem in x:
            yield from _iter_tensors(elem, only_requiring_grad)


def _is_float_or_complex_tensor(obj):
    return isinstance(obj, Tensor) and (obj.is_floating_point() or obj.is_complex())


# ---- numerical side ---------------------------------------------------------------------------

def _perturbed_call(fn, inputs, idx, value):
    """fn(*inputs) with inputs[idx] replaced by `value` (a fresh leaf with the same
    requires_grad), outputs cloned; the caller's tensors are never written."""
    # NOTE: torch writes the perturbation into input.data in place; jtorch's .data shares the
    # version counter, which would invalidate the saved tensors of the analytical graph.
    value.requires_grad_(inputs[idx].requires_grad)
    args = tuple(value if i == idx else a for i, a in enumerate(inputs))
    return tuple(a.clone() for a in _as_tuple(fn(*args)))


def _check_outputs_same_dtype_and_shape(output1, output2, eps, idx=None):
    on_index = f"on index {idx} " if idx is not None else ""
    if output1.shape != output2.shape:
        raise AssertionError(f"Expected `func` to return outputs with the same shape when inputs "
                             f"are perturbed {on_index}by {eps}, but got: shapes "
                             f"{output1.shape} and {output2.shape}.")
    if output1.dtype != output2.dtype:
        raise AssertionError(f"Expected `func` to return outputs with the same dtype when inputs "
                             f"are perturbed {on_index}by {eps}, but got: dtypes "
                             f"{output1.dtype} and {output2.dtype}.")


def _central_difference(fn, inputs, idx, lo, hi, eps, where=None):
    """(fn(.., hi, ..) - fn(.., lo, ..)) / (2 eps) for each output, flattened; lo and hi are
    inputs[idx] perturbed by -delta and +delta."""
    outa = _perturbed_call(fn, inputs, idx, lo)
    outb = _perturbed_call(fn, inputs, idx, hi)
    res = []
    for a, b in zip(outa, outb):
        _check_outputs_same_dtype_and_shape(a, b, eps, where)
        res.append(((b - a) / (2 * eps)).detach().reshape(-1))
    return res


def _numerical_jacobian(fn, inputs, outputs, eps):
    """J[k][j]: (numel of the k-th grad-requiring input) x (numel of output j), for each
    floating output j of fn."""
    return [_numerical_jacobian_wrt(fn, inputs, idx, outputs, eps)
            for idx, inp in enumerate(inputs) if isinstance(inp, Tensor) and inp.requires_grad]


def _numerical_jacobian_wrt(fn, inputs, idx, outputs, eps):
    """The Jacobians of fn's floating outputs with respect to inputs[idx], one per output."""
    lib = _lib()
    inp = inputs[idx]
    if not inp.requires_grad:
        raise AssertionError("Expected input to have requires_grad=True")
    n = inp.numel()
    cols = []
    if n:
        # NOTE: all 2n perturbed copies come from two ops (x -/+ eps * I, unbound by row):
        # per-element indexing would compile one program per element index.
        with lib.no_grad():
            flat = inp.detach().reshape(-1)
            basis = lib.eye(n, dtype=inp.dtype) * eps
            los, his = (flat - basis).unbind(0), (flat + basis).unbind(0)
            if inp.is_complex():
                basis = lib.eye(n, dtype=inp.dtype) * (eps * 1j)
                los_i, his_i = (flat - basis).unbind(0), (flat + basis).unbind(0)
        for k in range(n):
            where = _unravel(k, inp.shape)
            col = _central_difference(fn, inputs, idx, los[k].reshape(inp.shape),
                                      his[k].reshape(inp.shape), eps, where)
            if inp.is_complex():
                # NOTE: torch's conjugate Wirtinger derivative ds/dx + i ds/dy (C -> R)
                dy = _central_difference(fn, inputs, idx, los_i[k].reshape(inp.shape),
                                         his_i[k].reshape(inp.shape), eps, where)
                col = [(a + b * 1j).to(inp.dtype) for a, b in zip(col, dy)]
            cols.append(col)
    per_out = []
    for j, o in enumerate(outputs):
        if not _is_float_or_complex_tensor(o):
            continue
        if n == 0:
            per_out.append(lib.zeros((0, o.numel()), dtype=o.dtype))
        else:
            per_out.append(lib.stack([c[j] for c in cols], dim=0))
    return tuple(per_out)


def _unravel(k, shape):
    idx = []
    for s in reversed(tuple(shape)):
        idx.append(k % s)
        k //= s
    return tuple(reversed(idx))


# ---- analytical side --------------------------------------------------------------------------

FAILED_NONDET_MSG = """\n
NOTE: If your op relies on non-deterministic operations i.e., it is listed here:
https://pytorch.org/docs/stable/generated/torch.use_deterministic_algorithms.html
this failure might be expected.

If you are adding a new operator, please file an issue and then use one of the
workarounds. The workaround depends on how your test invokes gradcheck/gradgradcheck.
If the test
- manually invokes gradcheck/gradgradcheck, then call gradcheck/gradgradcheck
  with `nondet_tol=<tol>` as a keyword argument.
- is OpInfo-based (e.g., in test_ops_gradients.py), then modify the OpInfo for the test
  to have `gradcheck_nondet_tol=<tol>`.
- is a Module test (e.g., in common_nn.py), then modify the corresponding
  module_test entry to have `gradcheck_nondet_tol=<tol>`
"""


def _vjp_rows(output, diff_inputs, grad_outputs):
    """For each input, the list of vjps (one per grad_output; None where unused)."""
    lib = _lib()
    rows = [[] for _ in diff_inputs]
    for g in grad_outputs:
        res = lib.autograd.grad(output, diff_inputs, g, retain_graph=True, allow_unused=True)
        for i, d in enumerate(res):
            rows[i].append(d.clone() if isinstance(d, Tensor) else None)
    return rows


def _stack_and_check(rows, diff_inputs, numel_out):
    lib = _lib()
    out, sizes_ok, types_ok = [], True, True
    for inp, row in zip(diff_inputs, rows):
        cols = []
        for t in row:
            if t is not None and t.size() != inp.size():
                sizes_ok = False
            elif t is not None and t.dtype != inp.dtype:
                types_ok = False
            if t is None:
                cols.append(lib.zeros(inp.numel(), dtype=inp.dtype))
            else:
                if t.numel() != inp.numel():
                    raise AssertionError(f"Expected out_jacobian column to have {t.numel()} "
                                         f"elements, but got {inp.numel()}")
                cols.append(t.reshape(-1).to(inp.dtype))
        out.append(lib.stack(cols, dim=1) if cols else
                   lib.zeros((inp.numel(), numel_out), dtype=inp.dtype))
    return out, sizes_ok, types_ok


def _analytical_jacobian_unchecked(inputs, output, nondet_tol, v=None):
    """(jacobians, reentrant, sizes_ok, types_ok): rows of the Jacobian by backward (or the
    single vjp v^T J), computed twice to detect a non-reentrant backward."""
    lib = _lib()
    diff_inputs = list(_iter_tensors(inputs, True))
    if v is None:
        n = output.numel()
        grads = [e.reshape(output.shape) for e in lib.eye(n, dtype=output.dtype).unbind(0)] \
            if n else []
    else:
        grads = [v.reshape(output.shape)]
    j1, sizes_ok, types_ok = _stack_and_check(_vjp_rows(output, diff_inputs, grads), diff_inputs,
                                              len(grads))
    j2, _, _ = _stack_and_check(_vjp_rows(output, diff_inputs, grads), diff_inputs, len(grads))
    reentrant = all(a.numel() == 0 or float((a - b).abs().max()) <= nondet_tol
                    for a, b in zip(j1, j2))
    return j1, reentrant, sizes_ok, types_ok


def _analytical_jacobian(inputs, output, nondet_tol, check_grad_dtypes, v=None):
    """The checked analytical Jacobian (slow mode) or vjp (fast mode) of output."""
    j1, reentrant, sizes_ok, types_ok = _analytical_jacobian_unchecked(inputs, output,
                                                                       nondet_tol, v)
    # NOTE: torch unpacks (sizes_ok, types_ok) as (types_ok, sizes_ok), so a size mismatch
    # reports "dtype mismatch" (only with check_grad_dtypes) and a dtype mismatch reports
    # "incorrect size"; jtorch reproduces its messages.
    if not sizes_ok and check_grad_dtypes:
        raise GradcheckError("Gradient has dtype mismatch")
    if not types_ok:
        raise GradcheckError("Analytical gradient has incorrect size")
    if not reentrant:
        raise GradcheckError(
            "Backward is not reentrant, i.e., running backward with same input and grad_output "
            "multiple times gives different values, although analytical gradient matches "
            f"numerical gradient.The tolerance for nondeterminism was {nondet_tol}."
            + FAILED_NONDET_MSG)
    return j1


# ---- torch's older helpers (two of them deprecated there) ----------------------------------------

def _deprecated(name):
    warnings.warn(f"`{name}` was part of PyTorch's private API and not meant to be exposed. We are "
                  "deprecating it and it will be removed in a future version of PyTorch. If you "
                  "have a specific use for this or feature request for this to be a stable API, "
                  "please file us an issue at https://github.com/pytorch/pytorch/issues/new",
                  FutureWarning, stacklevel=3)


def get_numerical_jacobian(fn, inputs, target=None, eps=1e-3, grad_out=1.0):
    """Deprecated: finite-difference Jacobians of fn(inputs)'s first output, per input."""
    _deprecated("get_numerical_jacobian")
    if grad_out != 1.0:
        raise ValueError("Expected grad_out to be 1.0. get_numerical_jacobian no longer supports "
                         "values of grad_out != 1.0.")
    if target is not None and target is not inputs:
        # NOTE: torch perturbs `target` in place (it may be captured by fn); jtorch perturbs
        # copies of the inputs, so a separate target cannot be honoured.
        raise NotImplementedError("jtorch's get_numerical_jacobian does not support a `target` "
                                  "other than `inputs`")

    def fn_pack_inps(*inps):
        return fn(inps)
    inputs = _as_tuple(inputs)
    outputs = _as_tuple(fn_pack_inps(*inputs))
    if any(o.is_complex() for o in outputs):
        raise ValueError("Expected output to be non-complex. get_numerical_jacobian no longer "
                         "supports functions that return complex outputs.")
    return tuple(j[0] for j in _numerical_jacobian(fn_pack_inps, inputs, outputs, eps))


def get_analytical_jacobian(inputs, output, nondet_tol=0.0, grad_out=1.0):
    """Deprecated: (jacobians, reentrant, correct_grad_sizes, correct_grad_types) of output."""
    _deprecated("get_analytical_jacobian")
    if grad_out != 1.0:
        raise ValueError("Expected grad_out to be 1.0. get_analytical_jacobian no longer "
                         "supports values of grad_out != 1.0.")
    if output.is_complex():
        raise ValueError("Expected output to be non-complex. get_analytical_jacobian no longer "
                         "supports functions that return complex outputs.")
    j, reentrant, sizes_ok, types_ok = _analytical_jacobian_unchecked(inputs, output, nondet_tol)
    # NOTE: torch returns its two flags swapped (see _analytical_jacobian); so does jtorch.
    return tuple(j), reentrant, types_ok, sizes_ok


def get_numerical_jacobian_wrt_specific_input(fn, input_idx, inputs, outputs, eps, input=None,
                                              is_forward_ad=False):
    """Finite-difference Jacobians of fn's floating outputs with respect to inputs[input_idx]."""
    if input is not None and input is not inputs[input_idx]:
        raise NotImplementedError("jtorch perturbs copies of inputs[input_idx]; a separate "
                                  "`input` to perturb is not supported")
    return _numerical_jacobian_wrt(fn, _as_tuple(inputs), input_idx, _as_tuple(outputs), eps)
