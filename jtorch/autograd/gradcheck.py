"""torch.autograd.gradcheck: finite differences against jtorch's backward (gradcheck,
gradgradcheck), with torch's argument names, checks, warnings and error messages."""
import collections.abc
import functools
import warnings

from .. import _dtype as D
from .._tensor import Tensor

__all__ = ["gradcheck", "gradgradcheck", "GradcheckError", "get_numerical_jacobian",
           "get_analytical_jacobian", "get_numerical_jacobian_wrt_specific_input"]


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


def _differentiable_outputs(x):
    return tuple(o for o in _as_tuple(x) if o.requires_grad)


def _check_inputs(tupled_inputs):
    any_input_requiring_grad = False
    for idx, inp in enumerate(tupled_inputs):
        if isinstance(inp, Tensor) and inp.requires_grad:
            if not (inp.dtype == D.float64 or inp.dtype == D.complex128):
                warnings.warn(
                    f"Input #{idx} requires gradient and is not a double precision floating "
                    "point or complex. This check will likely fail if all the inputs are not of "
                    "double precision floating point or complex. ", stacklevel=3)
            if not all(st > 0 or sz <= 1 for st, sz in zip(inp.stride(), inp.size())):
                raise RuntimeError(
                    f"The {idx}th input has a dimension with stride 0. gradcheck only supports "
                    "inputs that are non-overlapping to be able to compute the numerical "
                    "gradients correctly. You should call .contiguous on the input before "
                    "passing it to gradcheck.")
            any_input_requiring_grad = True
    if not any_input_requiring_grad:
        raise ValueError("gradcheck expects at least one input tensor to require gradient, but "
                         "none of them have requires_grad=True.")
    return True


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


def _allclose_with_type_promotion(a, b, rtol, atol):
    lib = _lib()
    t = lib.promote_types(a.dtype, b.dtype)
    return lib.allclose(a.to(t), b.to(t), rtol, atol)


def _notallclose_msg(analytical, numerical, output_idx, input_idx, complex_indices=None,
                     test_imag=False):
    prefix = ""
    if complex_indices and output_idx in complex_indices:
        part = "imaginary" if test_imag else "real"
        prefix = f"While considering the {part} part of complex outputs only, "
    return (prefix + f"Jacobian mismatch for output {output_idx:d} with respect to input "
            f"{input_idx:d},\nnumerical:{numerical}\nanalytical:{analytical}\n")


# ---- slow and fast modes ----------------------------------------------------------------------

def _check_no_differentiable_outputs(func, inputs, func_out, eps):
    lib = _lib()
    for per_input in _numerical_jacobian(func, inputs, func_out, eps):
        for jac in per_input:
            if int(lib.ne(jac, 0).sum()) > 0:
                raise GradcheckError("Numerical gradient for function expected to be zero")
    return True


def _slow_gradcheck(func, func_out, inputs, outputs, eps, rtol, atol, check_grad_dtypes,
                    nondet_tol, complex_indices=None, test_imag=False):
    func_out = _as_tuple(func_out)
    if not outputs:
        return _check_no_differentiable_outputs(func, inputs, func_out, eps)
    numerical = list(zip(*_numerical_jacobian(func, inputs, func_out, eps)))
    numerical = [nj for o, nj in zip(func_out, numerical) if o.requires_grad]
    for i, o in enumerate(outputs):
        analytical = _analytical_jacobian(inputs, o, nondet_tol, check_grad_dtypes)
        for j, (a, n) in enumerate(zip(analytical, numerical[i])):
            if not _allclose_with_type_promotion(a, n, rtol, atol):
                raise GradcheckError(_notallclose_msg(a, n, i, j, complex_indices, test_imag))
    return True


FAST_FAIL_SLOW_OK_MSG = """
Fast gradcheck failed but element-wise differences are small. This means that the
test might've passed in slow_mode!

If you are adding a new operator, please file an issue and then use one of the
workarounds. The workaround depends on how your test invokes gradcheck/gradgradcheck:

If the test
- manually invokes gradcheck/gradgradcheck, then call gradcheck/gradgradcheck
  with `fast_mode=False` as a keyword argument.
- is OpInfo-based (e.g., in test_ops_gradients.py), then modify the OpInfo for the test
  to have `gradcheck_fast_mode=False`
- is a Module test (e.g., in common_nn.py), then modify the corresponding
  module_test entry to have `gradcheck_fast_mode=False`
""".strip()


def _random_unit(t, gen):
    """A random non-negative unit vector with t's numel and dtype (torch's _vec_from_tensor)."""
    lib = _lib()
    vec = lib.rand(t.numel(), generator=gen).to(t.dtype)
    return vec / vec.norm()


def _slow_mode_error(func, inputs, outputs, input_idx, output_idx, rtol, atol, eps):
    lib = _lib()
    num = _numerical_jacobian(func, inputs, outputs, eps)[input_idx][output_idx]
    ana = _analytical_jacobian(inputs, outputs[output_idx], float("inf"), False)[input_idx]
    max_diff = (num - ana).abs().max()
    msg = ("\nThe above quantities relating the numerical and analytical jacobians are computed "
           "\nin fast mode. See: https://github.com/pytorch/pytorch/issues/53876 for more "
           "background \nabout fast mode. Below, we recompute numerical and analytical jacobians "
           f"in slow mode:\n\nNumerical:\n {num}\nAnalytical:\n{ana}\n\n"
           f"The max per-element difference (slow mode) is: {max_diff}.\n")
    if lib.allclose(ana, num, rtol, atol):
        msg += FAST_FAIL_SLOW_OK_MSG
    return msg


def _fast_gradcheck(func, func_out, inputs, outputs, eps, rtol, atol, check_grad_dtypes,
                    nondet_tol, complex_indices=None, test_imag=False):
    """Compare v^T J u (J u by finite differences along u, v^T J by backward) for random unit
    vectors u (per input) and v (per output), as torch's fast mode does."""
    lib = _lib()
    if any(t.is_complex() for t in _iter_tensors(inputs, True)):
        # NOTE: as torch's gradcheck documents for fast_mode, complex inputs take the slow path
        # (the full Jacobian comparison, which is the stricter check).
        return _slow_gradcheck(func, func_out, inputs, outputs, eps, rtol, atol,
                               check_grad_dtypes, nondet_tol, complex_indices, test_imag)
    gen = lib.Generator()
    gen.manual_seed(0)
    idxs = [i for i, t in enumerate(inputs) if isinstance(t, Tensor) and t.requires_grad]
    all_u = [_random_unit(inputs[i], gen) for i in idxs]
    all_v = [_random_unit(o, gen) for o in outputs]
    func_out = _as_tuple(func_out)
    numerical = []
    for i, u in zip(idxs, all_u):
        with lib.no_grad():
            x, delta = inputs[i].detach(), (u * eps).reshape(inputs[i].shape)
            lo, hi = x - delta, x + delta
        ju = _central_difference(func, inputs, i, lo, hi, eps)
        ju = [j for j, o in zip(ju, func_out) if _is_float_or_complex_tensor(o)]
        if not outputs:
            for j in ju:
                if j.numel() and float(j.abs().max()) > nondet_tol:
                    raise GradcheckError("Numerical gradient for function expected to be zero")
        numerical.append([lib.dot(v.to(lib.promote_types(v.dtype, j.dtype)),
                                  j.to(lib.promote_types(v.dtype, j.dtype)))
                          for v, j in zip(all_v, ju)])
    analytical = []
    for o, v in zip(outputs, all_v):
        vjs = _analytical_jacobian(inputs, o, nondet_tol, check_grad_dtypes, v=v)
        analytical.append([vj.T.squeeze(0).dot(u) for vj, u in zip(vjs, all_u)])
    for i, per_input in enumerate(numerical):
        for j, n in enumerate(per_input):
            a = analytical[j][i]
            tol = atol * float(all_u[i].sum()) * float(all_v[j].sum())
            if not _allclose_with_type_promotion(a, n, rtol, tol):
                raise GradcheckError(_notallclose_msg(a, n, j, i) + _slow_mode_error(
                    func, inputs, outputs, i, j, rtol, atol, eps))
    return True


# ---- the checks that run after the Jacobian comparison -----------------------------------------

def _test_backward_mul_by_grad_output(outputs, inputs, masked):
    lib = _lib()
    diff_inputs = list(_iter_tensors(inputs, True))
    if not diff_inputs:
        raise GradcheckError("no Tensors requiring grad found in input")
    grads = lib.autograd.grad(outputs, diff_inputs, [lib.zeros_like(o) for o in outputs],
                              allow_unused=True)
    for gi, di in zip(grads, diff_inputs):
        if gi is None:
            continue
        if masked:
            if not lib.allclose(gi, lib.zeros_like(gi)):
                raise GradcheckError("backward not multiplied by grad_output")
        elif not bool(gi.eq(0).all()):
            raise GradcheckError("backward not multiplied by grad_output")
        if gi.dtype != di.dtype:
            raise GradcheckError("grad is incorrect type")
        if gi.device != di.device:
            raise GradcheckError("grad is incorrect device")
        if gi.size() != di.size():
            raise GradcheckError("grad is incorrect size")
    return True


@functools.lru_cache(maxsize=None)
def _undefined_grad_cls():
    lib = _lib()

    class UndefinedGrad(lib.autograd.Function):
        """Identity whose backward sends no gradient (torch._C._functions.UndefinedGrad)."""

        @staticmethod
        def forward(ctx, x):
            return x.clone()

        @staticmethod
        def backward(ctx, grad):
            return None
    return UndefinedGrad


def _test_undefined_backward_mode(func, outputs, inputs):
    lib = _lib()
    diff_inputs = list(_iter_tensors(inputs, True))
    if not diff_inputs:
        raise GradcheckError("no Tensors requiring grad found in input")

    def warn_bc_breaking():
        warnings.warn("Backwards compatibility: New undefined gradient support checking feature "
                      "is enabled by default, but it may break existing callers of this "
                      "function. If this is true for you, you can call this function with "
                      '"check_undefined_grad=False" to disable the feature', stacklevel=2)

    def check(output_to_check):
        zeros = [lib.zeros_like(o) for o in output_to_check]
        try:
            grads = lib.autograd.grad(output_to_check, diff_inputs, zeros, allow_unused=True)
        except RuntimeError as e:
            warn_bc_breaking()
            raise GradcheckError('Expected backward function to handle undefined output grads. '
                                 'Please look at "Notes about undefined output gradients" in '
                                 '"tools/autograd/derivatives.yaml"') from e
        for gi in grads:
            if gi is not None and not bool(gi.eq(0).all()):
                warn_bc_breaking()
                raise GradcheckError(
                    "Expected all input grads to be undefined or zero when all output grads are "
                    'undefined or zero. Please look at "Notes about undefined output gradients" '
                    'in "tools/autograd/derivatives.yaml"')
        return True

    undef = _undefined_grad_cls().apply
    to_check = [[undef(o) for o in _differentiable_outputs(func(*inputs))
                 if isinstance(o, Tensor)]]
    if len(to_check[0]) > 1:
        for k in range(len(outputs)):
            outs = _differentiable_outputs(func(*inputs))
            to_check.append([undef(o) if i == k else o for i, o in enumerate(outs)])
    return all(check(o) for o in to_check)


# ---- public entry points ----------------------------------------------------------------------

def gradcheck(func, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True,
              nondet_tol=0.0, check_undefined_grad=True, check_grad_dtypes=False,
              check_batched_grad=False, check_batched_forward_grad=False, check_forward_ad=False,
              check_backward_ad=True, fast_mode=False, masked=None):
    """Check analytical gradients of func at inputs against finite differences."""
    if not (check_forward_ad or check_backward_ad):
        raise AssertionError("Expected at least one of check_forward_ad or check_backward_ad to "
                             "be True")
    if check_batched_grad and not check_backward_ad:
        raise AssertionError("Setting check_batched_grad=True requires check_backward_ad to be "
                             "True")
    if check_batched_forward_grad and not check_forward_ad:
        raise AssertionError("Setting check_batched_forward_grad=True requires check_forward_ad "
                             "to be True")
    # NOTE: jtorch has no forward-mode autograd API and no batched (vmapped) backward; these
    # checks are refused rather than skipped silently.
    if check_forward_ad or check_batched_forward_grad:
        raise NotImplementedError("jtorch's gradcheck does not support check_forward_ad / "
                                  "check_batched_forward_grad (no forward-mode autograd)")
    if check_batched_grad:
        raise NotImplementedError("jtorch's gradcheck does not support check_batched_grad=True")
    try:
        return _gradcheck_helper(func, inputs, eps, atol, rtol, nondet_tol, check_undefined_grad,
                                 check_grad_dtypes, fast_mode, masked)
    except GradcheckError:
        if raise_exception:
            raise
        return False


def _apply_to_complex_outputs(fn, part):
    def wrapped_fn(*inputs):
        return tuple(part(o) if o.is_complex() else o for o in _as_tuple(fn(*inputs)))
    return wrapped_fn


def _gradcheck_helper(func, inputs, eps, atol, rtol, nondet_tol, check_undefined_grad,
                      check_grad_dtypes, fast_mode, masked):
    tupled_inputs = _as_tuple(inputs)
    _check_inputs(tupled_inputs)
    func_out = func(*tupled_inputs)
    outputs = _differentiable_outputs(func_out)
    check = functools.partial(_fast_gradcheck if fast_mode else _slow_gradcheck, eps=eps,
                              rtol=rtol, atol=atol, check_grad_dtypes=check_grad_dtypes,
                              nondet_tol=nondet_tol)
    if any(isinstance(o, Tensor) and o.is_complex() for o in _as_tuple(func_out)):
        # NOTE: torch checks a complex output through two real functions: its imaginary part
        # first, then its real part.
        complex_indices = [i for i, o in enumerate(outputs) if o.is_complex()]
        lib = _lib()
        for part, test_imag in ((lib.imag, True), (lib.real, False)):
            part_fn = _apply_to_complex_outputs(func, part)
            out = part_fn(*tupled_inputs)
            check(part_fn, out, tupled_inputs, _differentiable_outputs(out),
                  complex_indices=complex_indices, test_imag=test_imag)
    else:
        check(func, func_out, tupled_inputs, outputs)
    _test_backward_mul_by_grad_output(outputs, tupled_inputs, masked)
    if check_undefined_grad:
        _test_undefined_backward_mode(func, outputs, tupled_inputs)
    return True


def gradgradcheck(func, inputs, grad_outputs=None, *, eps=1e-6, atol=1e-5, rtol=1e-3,
                  gen_non_contig_grad_outputs=False, raise_exception=True, nondet_tol=0.0,
                  check_undefined_grad=True, check_grad_dtypes=False, check_batched_grad=False,
                  check_fwd_over_rev=False, check_rev_over_rev=True, fast_mode=False,
                  masked=False):
    """Check second derivatives of func (gradients of its gradients) by finite differences."""
    lib = _lib()
    if not (check_fwd_over_rev or check_rev_over_rev):
        raise AssertionError("Expected at least one of check_fwd_over_rev or check_rev_over_rev "
                             "to be True")
    if check_undefined_grad and not check_rev_over_rev:
        raise AssertionError("Setting check_undefined_grad=True requires check_rev_over_rev to "
                             "be True")
    if check_batched_grad and not check_rev_over_rev:
        raise AssertionError("Setting check_batched_grad=True requires check_rev_over_rev to be "
                             "True")
    tupled_inputs = _as_tuple(inputs)
    if grad_outputs is None:
        # NOTE: torch draws them with testing.make_tensor(low=-1, high=1); jtorch tensors are
        # always contiguous, so gen_non_contig_grad_outputs changes nothing here.
        gen = lib.Generator()
        gen.manual_seed(0)
        outputs = _differentiable_outputs(func(*tupled_inputs))
        tupled_grad_outputs = tuple(
            (lib.rand(x.shape, generator=gen, dtype=D.float64) * 2 - 1).to(
                x.dtype if x.is_floating_point() or x.is_complex() else D.float64
            ).requires_grad_() for x in outputs)
    else:
        tupled_grad_outputs = _as_tuple(grad_outputs)
    num_outputs = len(tupled_grad_outputs)
    diff_input_args_indices = {i for i, x in enumerate(tupled_inputs)
                               if isinstance(x, Tensor) and x.requires_grad}
    diff_grad_output_indices = {i for i, x in enumerate(tupled_grad_outputs) if x.requires_grad}

    def new_func(*args):
        input_args = tuple(x.requires_grad_() if i in diff_input_args_indices else x
                           for i, x in enumerate(args[:-num_outputs]))
        outputs = _differentiable_outputs(func(*input_args))
        grad_outputs = tuple(x.requires_grad_() if i in diff_grad_output_indices else x
                             for i, x in enumerate(args[-num_outputs:]))
        diff_input_args = tuple(x for i, x in enumerate(input_args)
                                if i in diff_input_args_indices)
        grad_inputs = lib.autograd.grad(outputs, diff_input_args, grad_outputs,
                                        create_graph=True, allow_unused=True)
        return tuple(g for g in grad_inputs if g is not None)

    return gradcheck(new_func, tupled_inputs + tupled_grad_outputs, eps=eps, atol=atol,
                     rtol=rtol, raise_exception=raise_exception, nondet_tol=nondet_tol,
                     check_undefined_grad=check_undefined_grad,
                     check_grad_dtypes=check_grad_dtypes, check_batched_grad=check_batched_grad,
                     fast_mode=fast_mode, check_forward_ad=check_fwd_over_rev,
                     check_backward_ad=check_rev_over_rev, masked=masked)


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
