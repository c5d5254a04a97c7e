"""torch.nn.functional: convolution, transposed convolution, unfold/fold (im2col/col2im)."""
import builtins

import jax
import jax.numpy as jnp
from jax import lax

from ..._ops.registry import Op, OPS, autocast_args, dispatch

__all__ = ["conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
           "conv_transpose3d", "conv_tbc", "unfold", "fold"]

_SPECS = {1: ("NCH", "OIH", "NCH"), 2: ("NCHW", "OIHW", "NCHW"), 3: ("NCDHW", "OIDHW", "NCDHW")}
_CNAMES = {"float32": "float", "float64": "double", "float16": "c10::Half",
           "bfloat16": "c10::BFloat16", "int64": "long", "int32": "int"}
_SNAMES = {"float32": "Float", "float64": "Double", "float16": "Half", "bfloat16": "BFloat16",
           "int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte",
           "bool": "Bool", "complex64": "ComplexFloat", "complex128": "ComplexDouble"}


def _ntuple(v, n, name="argument"):
    """v as an n-tuple of ints (a single int is repeated; a length-1 sequence too)."""
    if isinstance(v, (list, tuple)):
        v = tuple(int(i) for i in v)
        if len(v) == 1 and n > 1:
            return v * n
        if len(v) != n:
            raise RuntimeError(f"expected {name} to be a single integer value or a list of {n} "
                               f"values to match the convolution dimensions, but got "
                               f"{name}={list(v)}")
        return v
    return (int(v),) * n


def _conv_fn(stride, padding, dilation, groups, transposed, output_padding, has_bias, x, w, *b):
    n = w.ndim - 2
    unbatched = x.ndim == n + 1
    if unbatched:
        x = x[None]
    dn = lax.conv_dimension_numbers(x.shape, w.shape, _SPECS[n])
    if not transposed:
        y = lax.conv_general_dilated(x, w, stride, padding, rhs_dilation=dilation,
                                     dimension_numbers=dn, feature_group_count=groups)
    else:
        # NOTE: a transposed conv is the gradient of a conv: dilate the input by the stride,
        # pad by dilation*(k-1)-p (+output_padding on the high side), flip the kernel and swap
        # its in/out channels within each group.
        k = w.shape[2:]
        cin, cout_g = w.shape[0], w.shape[1]
        wt = w.reshape((groups, cin // groups, cout_g) + k).swapaxes(1, 2)
        wt = wt.reshape((groups * cout_g, cin // groups) + k)
        wt = jnp.flip(wt, axis=tuple(range(2, 2 + n)))
        pads = [(d * (kk - 1) - p, d * (kk - 1) - p + op)
                for d, kk, (p, _), op in zip(dilation, k, padding, output_padding)]
        dn = lax.conv_dimension_numbers(x.shape, wt.shape, _SPECS[n])
        y = lax.conv_general_dilated(x, wt, (1,) * n, pads, lhs_dilation=stride,
                                     rhs_dilation=dilation, dimension_numbers=dn,
                                     feature_group_count=groups)
    if has_bias:
        y = y + b[0].reshape((1, -1) + (1,) * n).astype(y.dtype)
    y = y.astype(x.dtype)
    return y[0] if unbatched else y


_CONV = Op("convolution", _conv_fn, grad_name="ConvolutionBackward0")
OPS["convolution"] = _CONV


def _sz(shape):
    return "[" + ", ".join(str(s) for s in shape) + "]"


def _conv(name, n, input, weight, bias, stride, padding, dilation, groups, transposed=False,
          output_padding=0):
    if input.dim() not in (n + 1, n + 2):
        raise RuntimeError(f"Expected {n + 1}D (unbatched) or {n + 2}D (batched) input to "
                           f"{name}, but got input of size: {_sz(input.shape)}")
    if weight.dim() != n + 2:
        raise RuntimeError(f"Expected {n + 2}-dimensional weight for {n + 2}-dimensional input "
                           f"{_sz(input.shape)}, but got {weight.dim()}-dimensional weight of "
                           f"size {_sz(weight.shape)} instead")
    stride = _ntuple(stride, n, "stride")
    dilation = _ntuple(dilation, n, "dilation")
    groups = int(groups)
    if builtins.any(s <= 0 for s in stride):
        raise RuntimeError("non-positive stride is not supported")
    if builtins.any(d <= 0 for d in dilation):
        raise RuntimeError("dilation should be greater than zero")
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")
    ks = tuple(weight.shape[2:])
    if isinstance(padding, str):
        if transposed:
            raise TypeError(f"{name}() argument 'padding' must be tuple of ints, not str")
        if padding == "valid":
            pads = ((0, 0),) * n
        elif padding == "same":
            if builtins.any(s != 1 for s in stride):
                raise RuntimeError("padding='same' is not supported for strided convolutions")
            pads = []
            for d, k in zip(dilation, ks):
                tot = d * (k - 1)
                pads.append((tot // 2, tot - tot // 2))
            pads = tuple(pads)
        else:
            raise RuntimeError(f"Invalid padding string: '{padding}'")
    else:
        p = _ntuple(padding, n, "padding")
        if builtins.any(v < 0 for v in p):
            raise RuntimeError("negative padding is not supported")
        pads = tuple((v, v) for v in p)
    shp = tuple(input.shape) if input.dim() == n + 2 else (1,) + tuple(input.shape)
    wshape = tuple(weight.shape)
    if transposed:
        output_padding = _ntuple(output_padding, n, "output_padding")
        for i in range(n):
            if output_padding[i] >= builtins.max(stride[i], dilation[i]):
                nm = ["height", "width"] if n == 2 else (["depth", "height", "width"]
                                                          if n == 3 else ["width"])
                parts = " ".join(f"output_padding_{nm[j]}: {output_padding[j]}" for j in range(n))
                parts += " " + " ".join(f"stride_{nm[j]}: {stride[j]}" for j in range(n))
                parts += " " + " ".join(f"dilation_{nm[j]}: {dilation[j]}" for j in range(n))
                raise RuntimeError("output padding must be smaller than either stride or "
                                   f"dilation, but got {parts}")
        if shp[1] != wshape[0]:
            raise RuntimeError(f"Given transposed=1, weight of size {_sz(wshape)}, expected "
                               f"input{_sz(shp)} to have {wshape[0]} channels, but got {shp[1]} "
                               f"channels instead")
        if wshape[0] % groups:
            raise RuntimeError(f"Given groups={groups}, expected weight to be divisible by "
                               f"{groups} at dimension 0, but got weight of size [{_sz(wshape)}] "
                               f"instead")
    else:
        output_padding = (0,) * n
        if wshape[0] % groups:
            raise RuntimeError(f"Given groups={groups}, expected weight to be divisible by "
                               f"{groups} at dimension 0, but got weight of size [{_sz(wshape)}] "
                               f"instead")
        if shp[1] != wshape[1] * groups:
            raise RuntimeError(f"Given groups={groups}, weight of size {_sz(wshape)}, expected "
                               f"input{_sz(shp)} to have {wshape[1] * groups} channels, but got "
                               f"{shp[1]} channels instead")
        padded = [shp[2 + i] + pads[i][0] + pads[i][1] for i in range(n)]
        eff = [dilation[i] * (ks[i] - 1) + 1 for i in range(n)]
        if builtins.any(pi < ki for pi, ki in zip(padded, eff)):
            raise RuntimeError("Calculated padded input size per channel: ("
                               + " x ".join(str(v) for v in padded) + "). Kernel size: ("
                               + " x ".join(str(v) for v in eff) + "). Kernel size can't be "
                               "greater than actual input size")
    input, weight, bias = autocast_args(_CONV, (input, weight, bias))
    xd, wd = input.dtype, weight.dtype
    if xd is not wd:
        raise RuntimeError(f"expected scalar type {_SNAMES.get(xd._name, xd._name)} but found "
                           f"{_SNAMES.get(wd._name, wd._name)}")
    if bias is not None and bias.dtype is not xd:
        raise RuntimeError(f"Input type ({_CNAMES.get(xd._name, xd._name)}) and bias type "
                           f"({_CNAMES.get(bias.dtype._name, bias.dtype._name)}) should be the "
                           f"same")
    statics = (stride, pads, dilation, groups, transposed, output_padding, bias is not None)
    unbatched = input.dim() == n + 1
    if unbatched:  # NOTE: torch adds the batch dim and squeezes it: SqueezeBackward1 on top
        input = input.unsqueeze(0)
    args = (input, weight) if bias is None else (input, weight, bias)
    out = dispatch(_CONV, args, statics)
    return out.squeeze(0) if unbatched else out


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """1-D convolution over an input (N, C, L) or (C, L)."""
    return _conv("conv1d", 1, input, weight, bias, stride, padding, dilation, groups)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-D convolution over an input (N, C, H, W) or (C, H, W)."""
    return _conv("conv2d", 2, input, weight, bias, stride, padding, dilation, groups)


def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """3-D convolution over an input (N, C, D, H, W) or (C, D, H, W)."""
    return _conv("conv3d", 3, input, weight, bias, stride, padding, dilation, groups)


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    """1-D transposed convolution (the gradient of conv1d w.r.t. its input)."""
    return _conv("conv_transpose1d", 1, input, weight, bias, stride, padding, dilation, groups,
                 True, output_padding)


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    """2-D transposed convolution (the gradient of conv2d w.r.t. its input)."""
    return _conv("conv_transpose2d", 2, input, weight, bias, stride, padding, dilation, groups,
                 True, output_padding)


def conv_transpose3d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    """3-D transposed convolution (the gradient of conv3d w.r.t. its input)."""
    return _conv("conv_transpose3d", 3, input, weight, bias, stride, padding, dilation, groups,
                 True, output_padding)


def conv_tbc(input, weight, bias, pad=0):
    """1-D convolution in time-batch-channel layout: input (T, B, C), weight (k, C, out)."""
    if input.dim() != 3:
        raise RuntimeError("Input must have 3 dims: time, batch, in_channel")
    if weight.dim() != 3:
        raise RuntimeError("Weight tensor must have 3 dims: kernel_width, in_channels, "
                           "out_channels.")
    if bias.dim() != 1:
        raise RuntimeError("Bias must be 1-D")
    y = conv1d(input.permute(1, 2, 0), weight.permute(2, 1, 0), bias, padding=int(pad))
    return y.permute(2, 0, 1)


# ---- unfold / fold ----------------------------------------------------------------------------

def _patches(ks, dilation, padding, stride, x):
    """(N, C, H, W) -> (N, C*kh*kw, L) in torch's im2col order (channel slowest)."""
    n, c = x.shape[:2]
    p = lax.conv_general_dilated_patches(x, ks, stride, [(q, q) for q in padding],
                                         rhs_dilation=dilation,
                                         dimension_numbers=("NCHW", "OIHW", "NCHW"),
                                         precision=lax.Precision.HIGHEST)
    # NOTE: explicit L (not -1): a reshape of a zero-size batch cannot infer it.
    return p.reshape(n, p.shape[1], p.shape[2] * p.shape[3])


def _unfold_fn(ks, dilation, padding, stride, x):
    unbatched = x.ndim == 3
    if unbatched:
        x = x[None]
    if x.dtype.kind not in "fc":  # NOTE: patches are a conv with a one-hot kernel: go via f64
        y = _patches(ks, dilation, padding, stride, x.astype(jnp.float64)).astype(x.dtype)
    else:
        y = _patches(ks, dilation, padding, stride, x)
    return y[0] if unbatched else y


def _fold_fn(out_size, ks, dilation, padding, stride, x):
    unbatched = x.ndim == 2
    if unbatched:
        x = x[None]
    n = x.shape[0]
    c = x.shape[1] // (ks[0] * ks[1])
    zeros = jnp.zeros((n, c) + tuple(out_size), x.dtype)
    # NOTE: col2im is the transpose of the (linear) im2col map.
    (y,) = jax.linear_transpose(lambda z: _patches(ks, dilation, padding, stride, z), zeros)(x)
    return y[0] if unbatched else y


_UNFOLD = Op("im2col", _unfold_fn, grad_name="Im2ColBackward0")
_FOLD = Op("col2im", _fold_fn, grad_name="Col2ImBackward0")
OPS["im2col"] = _UNFOLD
OPS["col2im"] = _FOLD


def _blocks(size, ks, dilation, padding, stride):
    return [(size[i] + 2 * padding[i] - dilation[i] * (ks[i] - 1) - 1) // stride[i] + 1
            for i in range(2)]


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    """Extract sliding local blocks: (N, C, H, W) -> (N, C*prod(kernel_size), L)."""
    if input.dim() not in (3, 4):
        raise RuntimeError(f"Expected 3D or 4D (batch mode) tensor with possibly 0 batch size "
                           f"and other non-zero dimensions for input, but got: "
                           f"{_sz(input.shape)}")
    ks, dl = _ntuple(kernel_size, 2), _ntuple(dilation, 2)
    pd, st = _ntuple(padding, 2), _ntuple(stride, 2)
    size = tuple(input.shape[-2:])
    nb = _blocks(size, ks, dl, pd, st)
    if builtins.any(b < 1 for b in nb):
        raise RuntimeError(f"Given input with spatial size ({size[0]}, {size[1]}), "
                           f"kernel_size=({ks[0]}, {ks[1]}), dilation=({dl[0]}, {dl[1]}), "
                           f"padding=({pd[0]}, {pd[1]}), calculated shape of the array of sliding "
                           f"blocks as ({nb[0]}, {nb[1]}), but its components must be at least "
                           f"one.")
    return dispatch(_UNFOLD, (input,), (ks, dl, pd, st))


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """Combine sliding local blocks into a tensor: the adjoint of unfold (sums overlaps)."""
    if input.dim() not in (2, 3):
        raise RuntimeError(f"Expected 2D or 3D (batch mode) tensor for input with possibly 0 "
                           f"batch size and non-zero dimensions for input, but got: "
                           f"{_sz(input.shape)}")
    os_, ks = _ntuple(output_size, 2), _ntuple(kernel_size, 2)
    dl, pd, st = _ntuple(dilation, 2), _ntuple(padding, 2), _ntuple(stride, 2)
    shp = tuple(input.shape)
    cdim = shp[-2]
    kk = ks[0] * ks[1]
    if cdim % kk:
        raise RuntimeError(f"Expected size of input's dimension 1 to be divisible by the product "
                           f"of kernel_size, but got input.size(1)={cdim} and "
                           f"kernel_size=({ks[0]}, {ks[1]})")
    nb = _blocks(os_, ks, dl, pd, st)
    if nb[0] * nb[1] != shp[-1]:
        raise RuntimeError(f"Given output_size=({os_[0]}, {os_[1]}), kernel_size=({ks[0]}, "
                           f"{ks[1]}), dilation=({dl[0]}, {dl[1]}), padding=({pd[0]}, {pd[1]}), "
                           f"stride=({st[0]}, {st[1]}), expected size of input's dimension 2 to "
                           f"match the calculated number of sliding blocks {nb[0]} * {nb[1]} = "
                           f"{nb[0] * nb[1]}, but got input.size(2)={shp[-1]}.")
    return dispatch(_FOLD, (input,), (os_, ks, dl, pd, st))
