"""Per-op autograd metadata mirroring torch's derivatives.yaml where it is visible to users:
which inputs/outputs torch's backward saves (for the in-place version check and for a second
backward after the graph was freed), overload-specific grad_fn names, and which Tensor
arguments are indices/masks (no edge in next_functions)."""
from .._ops._common import torch_name

__all__ = ["op_meta", "version_error", "NOSAVE"]

# NOTE: ops whose torch backward saves no tensor: their recorded inputs are kept after a
# backward (so a second backward through them works, as in torch) and nothing is checked.
NOSAVE = frozenset({
    "add", "add_alpha", "sub", "sub_alpha", "neg", "sum", "sum_dim", "mean", "mean_dim", "view",
    "_reshape_copy", "expand", "permute", "transpose", "t", "squeeze0", "squeeze1", "squeeze2",
    "unsqueeze", "unsqueeze_index", "select", "slice", "clone", "cat", "stack", "split",
    "split_with_sizes", "unbind", "flip", "roll", "repeat", "copy_slices", "copy_slices_basic",
    "diagonal", "tril",
    "triu", "_to_copy", "_to_device", "positive", "alias_index", "tensor_split", "cumsum",
    "copy_", "fill_", "as_strided", "trace", "rot90", "floor", "ceil", "round", "trunc", "sign",
    "_copy_slices", "_view_of_base", "_alias", "conj", "_conj_mH",
})

# name -> (always saved input indices, ((i, j): input i saved when input j needs grad), result
# saved), or fn(args, Tensor) -> that triple for ops whose overloads save different things.
# Only Tensor arguments are ever checked.
_UNARY_IN = ("sin", "cos", "tan", "log", "log2", "log10", "log1p", "asin", "acos", "atan", "sinh",
             "cosh", "asinh", "acosh", "atanh", "erf", "erfc", "digamma", "lgamma", "abs",
             "square", "sinc", "logit", "F.silu", "F.gelu", "F.leaky_relu", "F.softplus",
             "F.hardtanh", "F.mish", "F.hardswish", "F.hardsigmoid", "F.logsigmoid")
_UNARY_OUT = ("exp", "exp2", "expm1", "tanh", "sigmoid", "sqrt", "rsqrt", "relu", "reciprocal",
              "F.softmax", "F.log_softmax")
_CROSS2 = ((0, 1), (1, 0))
SAVES = {n: ((0,), (), False) for n in _UNARY_IN}
SAVES.update({n: ((), (), True) for n in _UNARY_OUT})
SAVES.update({
    "mul": ((), _CROSS2, False),
    # NOTE: number / t is t.reciprocal() * number in torch: only the reciprocal is saved.
    "div": lambda args, T: ((1,), ((0, 1),), False) if isinstance(args[0], T) else
    ((), (), True),
    "mm": ((), _CROSS2, False), "bmm": ((), _CROSS2, False), "matmul": ((), _CROSS2, False),
    "dot": ((), _CROSS2, False), "mv": ((), _CROSS2, False), "outer": ((), _CROSS2, False),
    "addmm": ((), ((1, 2), (2, 1)), False),
    "atan2": ((0, 1), (), False), "maximum": ((0, 1), (), False),
    "minimum": ((0, 1), (), False), "hypot": ((0, 1), (), True),
    "clamp": ((0, 1, 2), (), False),
    # NOTE: tensor ** number saves self; tensor ** tensor and number ** tensor also the
    # exponent and the result (PowBackward0/1/2).
    "pow": lambda args, T: ((0,), (), False) if not isinstance(args[1], T) else
    ((0, 1), (), True),
    "prod": ((0,), (), True), "amax": ((0,), (), True), "amin": ((0,), (), True),
    "max": ((0,), (), True), "min": ((0,), (), True), "logsumexp": ((0,), (), True),
    "linalg_vector_norm": ((0,), (), True), "std": ((0,), (), True), "var": ((0,), (), False),
    "cumprod": ((0,), (), True),
})


def _pow_name(args, T):
    a, b = isinstance(args[0], T), isinstance(args[1], T)
    return "PowBackward1" if a and b else "PowBackward0" if a else "PowBackward2"


def _sub_name(args, T):
    return None if isinstance(args[0], T) else "RsubBackward1"


def _div_name(args, T):
    return None if isinstance(args[0], T) else "MulBackward0"  # NOTE: number / t is t.reciprocal() * number


def _clamp_name(args, T):
    return "ClampBackward0" if any(isinstance(a, T) for a in args[1:]) else "ClampBackward1"


def _copy_slices_name(args, T):
    return "torch::autograd::CopySlices"


NAMERS = {"pow": _pow_name, "sub": _sub_name, "sub_alpha": _sub_name, "div": _div_name,
          "clamp": _clamp_name, "copy_slices": _copy_slices_name,
          "copy_slices_basic": _copy_slices_name}

# NOTE: the argument positions where torch wraps a Python number into a Tensor input (not
# alpha; not the number of `number - t`, which is rsub's Scalar overload).
_NUMBER_INPUTS = {"add": frozenset({0, 1}), "add_alpha": frozenset({0, 1}), "mul": frozenset({0, 1}),
                  "div": frozenset({0, 1}), "where": frozenset({1, 2}), "sub": frozenset({1}),
                  "sub_alpha": frozenset({1})}

# NOTE: ops whose integer/bool Tensor arguments are indices, masks or conditions: torch's
# next_functions has no entry for them.
_INDEX_PREFIXES = ("index", "scatter", "masked", "embedding", "gather", "take", "where",
                   "copy_slices", "F.nll_loss", "F.cross_entropy", "F.multi_margin",
                   "F.multilabel", "max_unpool", "put")


def op_meta(o):
    """(namer, exclude integer tensor args from next_functions, save rule, numbers are inputs)
    for op o."""
    save = None if o.name in NOSAVE else SAVES.get(o.name)
    return (NAMERS.get(o.name), o.name.startswith(_INDEX_PREFIXES), save,
            _NUMBER_INPUTS.get(o.name))


def _short(name):
    """The node name torch prints in the version-check message ('Exp', 'Pow1')."""
    if "Backward" in name:
        head, tail = name.split("Backward", 1)
        return head + ("" if tail == "0" else tail)
    return name


def version_error(t, expected, out):
    """torch's RuntimeError for a saved tensor modified in place after it was saved."""
    if out is not None:
        node, idx = out
        where = f", which is output {idx} of {_short(node.name())},"
    else:
        fn = t.grad_fn
        where = f", which is output {t._out_idx} of {_short(fn.name())}," if fn is not None \
            else ""
    from . import anomaly_mode
    hint = ("the backtrace further above shows the operation that failed to compute its gradient. "
            "The variable in question was changed in there or anywhere later. Good luck!"
            if anomaly_mode._ENABLED else
            "enable anomaly detection to find the operation that failed to compute its gradient, "
            "with torch.autograd.set_detect_anomaly(True, check_nan=False).")
    return RuntimeError(
        f"one of the variables needed for gradient computation has been modified by an inplace "
        f"operation: [torch.{torch_name(t.dtype)}Tensor {list(t.shape)}]{where} is at version "
        f"{t._version}; expected version {expected} instead. Hint: {hint}")
