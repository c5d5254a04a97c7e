"""torch.autograd.gradcheck: finite differences against jtorch's backward (gradcheck,
gradgradcheck), with torch's argument names, checks, warnings and error messages."""
import functools
import warnings

from .. import _dtype as D
from .._tensor import Tensor

# NOTE: the Jacobians themselves (and torch's older helpers) live in _gradcheck_jacobian; this
# module is torch's path for all of them and claims the public ones as its own.
from ._gradcheck_jacobian import (
    FAILED_NONDET_MSG, GradcheckError, _analytical_jacobian, _as_tuple, _central_difference,
    _is_float_or_complex_tensor, _iter_tensors, _lib, _numerical_jacobian, get_analytical_jacobian, get_numerical_jacobian,
    get_numerical_jacobian_wrt_specific_input,
)

__all__ = ["gradcheck", "gradgradcheck", "GradcheckError", "get_numerical_jacobian",
           "get_analytical_jacobian", "get_numerical_jacobian_wrt_specific_input"]

for _obj in (GradcheckError, get_analytical_jacobian, get_numerical_jacobian,
             get_numerical_jacobian_wrt_specific_input):
    _obj.__module__ = __name__
del _obj

# NOTE: named so it stays a re-export of this module (torch defines it here).
_PRIVATE_REEXPORTS = (FAILED_NONDET_MSG,)


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

def _diff_inputs(inputs):
    """The input tensors requiring grad (torch's GradcheckError when there are none)."""
    diff_inputs = list(_iter_tensors(inputs, True))
    if not diff_inputs:
        raise GradcheckError("no Tensors requiring grad found in input")
    return diff_inputs


def _grads_of_zeros(outputs, diff_inputs):
    """The gradients of diff_inputs for all-zero output gradients (None where unused)."""
    lib = _lib()
    return lib.autograd.grad(outputs, diff_inputs, [lib.zeros_like(o) for o in outputs],
                             allow_unused=True)


def _test_backward_mul_by_grad_output(outputs, inputs, masked):
    lib = _lib()
    diff_inputs = _diff_inputs(inputs)
    grads = _grads_of_zeros(outputs, diff_inputs)
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
    diff_inputs = _diff_inputs(inputs)

    def warn_bc_breaking():
        warnings.warn("Backwards compatibility: New undefined gradient support checking feature "
                      "is enabled by default, but it may break existing callers of this "
                      "function. If this is true for you, you can call this function with "
                      '"check_undefined_grad=False" to disable the feature', stacklevel=2)

    def check(output_to_check):
        try:
            grads = _grads_of_zeros(output_to_check, diff_inputs)
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
