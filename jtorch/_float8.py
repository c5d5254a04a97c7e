"""torch's float8 casts (c10's bit-exact rounding, saturation and NaN rules) as JAX functions.

XLA's / ml_dtypes' float8 converts differ from torch's CPU kernels: torch saturates finite
overflow of float8_e4m3fn to +-448 (XLA gives NaN), writes NaN as 0x7f|sign for e5m2, ignores
the sign and maps 0 to 2**-127 for float8_e8m0fnu, and decodes NaNs with its own payloads.
Every cast to or from a float8 dtype goes through `convert`, which ports c10's
`fp8*_from_fp32_value` (torch/headeronly/util/Float8_*.h) and decodes through a 256-entry table.

`guard(name, fn)` wraps a registered op's pure function with torch's float8 rules: the casts
above for `_to_copy`/`copy_`/`fill_`, bit-preserving `clone`, float32 compute + torch's
rounding for the float8 ops torch's CPU kernels run (mul, mm/matmul, eq/ne), and torch's
NotImplementedError for the ones it has no kernel for. The registry applies it to every Op.
"""
import functools

import jax
import jax.numpy as jnp
import numpy as np

__all__ = ["NP_DTYPES", "is_float8", "convert", "encode", "encode_host", "decode", "guard",
           "GUARDED"]

# NOTE: the ml_dtypes dtypes JAX uses for torch's five float8 dtypes, by torch name.
NP_DTYPES = {
    "float8_e4m3fn": np.dtype(jnp.float8_e4m3fn),
    "float8_e5m2": np.dtype(jnp.float8_e5m2),
    "float8_e4m3fnuz": np.dtype(jnp.float8_e4m3fnuz),
    "float8_e5m2fnuz": np.dtype(jnp.float8_e5m2fnuz),
    "float8_e8m0fnu": np.dtype(jnp.float8_e8m0fnu),
}
_NAME_OF = {v: k for k, v in NP_DTYPES.items()}


def is_float8(np_dtype):
    """Whether a NumPy/JAX dtype is one of the float8 dtypes."""
    return np.dtype(np_dtype) in _NAME_OF


def _u32(v):
    return jnp.uint32(v & 0xFFFFFFFF)


def _f32(bits):
    return jax.lax.bitcast_convert_type(bits, jnp.float32)


def _bits(x):
    return jax.lax.bitcast_convert_type(x, jnp.uint32)


def _denorm(f, mask):
    # NOTE: c10's trick: adding a magic float rounds (RNE, in float32) the mantissa into the
    # low bits; subtracting the magic's bits leaves the float8 subnormal code.
    return (_bits(_f32(f) + _f32(_u32(mask))) - _u32(mask)) & _u32(0xFF)


def _normal(f, exp_bias, mant_bits):
    shift = 23 - mant_bits
    odd = (f >> shift) & _u32(1)
    r = f + _u32((exp_bias - 127) << 23) + _u32((1 << (shift - 1)) - 1) + odd
    return (r >> shift) & _u32(0xFF)


def _e4m3fn(u):
    sign = u & _u32(0x80000000)
    f = u ^ sign
    big = jnp.where(f > _u32(0x7F800000), _u32(0x7F), _u32(0x7E))  # NOTE: inf saturates
    den = _denorm(f, 141 << 23)
    nor = _normal(f, 7, 3)
    nor = jnp.where(nor == _u32(0x7F), _u32(0x7E), nor)
    r = jnp.where(f >= _u32(1087 << 20), big, jnp.where(f < _u32(121 << 23), den, nor))
    return r | (sign >> 24)


def _e5m2(u):
    sign = u & _u32(0x80000000)
    f = u ^ sign
    big = jnp.where(f > _u32(0x7F800000), _u32(0x7F), _u32(0x7C))
    r = jnp.where(f >= _u32(143 << 23), big,
                  jnp.where(f < _u32(113 << 23), _denorm(f, 134 << 23), _normal(f, 15, 2)))
    return r | (sign >> 24)


def _fnuz(u, fnuz_max, den_limit, mask, bias, mant_bits):
    sign = u & _u32(0x80000000)
    f = u ^ sign
    den = _denorm(f, mask)
    r = jnp.where(f < _u32(den_limit), den, _normal(f, bias, mant_bits))
    # NOTE: NaN/overflow is the unsigned 0x80; a result rounding to zero drops its sign.
    r = jnp.where(r == _u32(0), r, (r | (sign >> 24)) & _u32(0xFF))
    return jnp.where(f >= _u32(fnuz_max), _u32(0x80), r)


def _e8m0fnu(u):
    e = (u >> 23) & _u32(0xFF)
    g = (u & _u32(0x400000)) != 0
    rs = ((u & _u32(0x200000)) != 0) | ((u & _u32(0x1FFFFF)) != 0)
    up = g & (rs | (e > _u32(0)))
    # NOTE: the sign bit is ignored (the type is unsigned); inf/NaN exponents give NaN (0xff).
    return jnp.where(e == _u32(0xFF), e, (e + up.astype(jnp.uint32)) & _u32(0xFF))


_ENCODERS = {
    "float8_e4m3fn": _e4m3fn,
    "float8_e5m2": _e5m2,
    "float8_e4m3fnuz": lambda u: _fnuz(u, 0x87 << 23, 0x78 << 23, 0x8C << 23, 8, 3),
    "float8_e5m2fnuz": lambda u: _fnuz(u, 0x8F << 23, 0x70 << 23, 0x85 << 23, 16, 2),
    "float8_e8m0fnu": _e8m0fnu,
}


def _decode_table(name):
    """float32 bit patterns of all 256 codes, with torch's NaN payloads."""
    codes = np.arange(256, dtype=np.uint8)
    bits = codes.view(NP_DTYPES[name]).astype(np.float32).view(np.uint32).copy()
    nan = np.isnan(bits.view(np.float32))
    if name in ("float8_e4m3fn", "float8_e5m2"):
        # NOTE: c10 widens these by shifting the code into a half/float: the payload survives.
        mant = 3 if name == "float8_e4m3fn" else 2
        pay = (codes.astype(np.uint32) & ((1 << mant) - 1)) << (23 - mant)
        sgn = (codes.astype(np.uint32) >> 7) << 31
        bits = np.where(nan, sgn | np.uint32(0x7F800000) | pay | np.uint32(0x400000), bits)
    else:
        bits = np.where(nan, np.uint32(0x7F800001), bits)  # NOTE: c10's fnuz/e8m0 NaN value
    return bits.astype(np.uint32)


_TABLES = {}


def _f32_bits(x):
    """Bits of x as a float32, keeping float32 subnormals (torch converts every source through
    float). NOTE: XLA's CPU converts flush subnormal float32 results to zero; those matter for
    float8_e8m0fnu (2**-127 is its code 0), so bfloat16 widens by a shift and float64's
    subnormal range is rounded (half to even) by hand."""
    if x.dtype == jnp.bfloat16:
        return jax.lax.bitcast_convert_type(x, jnp.uint16).astype(jnp.uint32) << 16
    u = _bits(x.astype(jnp.float32))
    if x.dtype != jnp.float64:
        return u
    ax = jnp.abs(x)
    sub = jnp.round(ax * 2.0 ** 149).astype(jnp.uint32)  # NOTE: jnp.round is half to even
    sign = jnp.where(jnp.signbit(x), _u32(0x80000000), _u32(0))
    return jnp.where(ax < 2.0 ** -126, sign | sub, u)


def encode(x, np_dtype):
    """Array x (any real dtype) cast to a float8 dtype with torch's rounding and saturation."""
    name = _NAME_OF[np.dtype(np_dtype)]
    if x.dtype == np.bool_:
        x = x.astype(np.uint8)
    u = _f32_bits(x)
    code = _ENCODERS[name](u).astype(jnp.uint8)
    return jax.lax.bitcast_convert_type(code, np_dtype)


def encode_host(a, np_dtype):
    """A host (NumPy) array cast to a float8 dtype with torch's semantics (creation paths)."""
    a = np.asarray(a)
    if a.dtype.kind == "c":
        a = a.real
    return np.asarray(encode(jnp.asarray(a), np_dtype))


def _lookup(x, out):
    key = (np.dtype(x.dtype), out)
    table = _TABLES.get(key)
    if table is None:
        bits = _decode_table(_NAME_OF[key[0]]).view(np.float32)
        # NOTE: widened on the host, where float32 subnormals survive (XLA's CPU converts
        # treat them as zero); NumPy's widening keeps NaN payloads as C's float -> double does.
        with np.errstate(invalid="ignore"):
            table = _TABLES[key] = bits if out == np.float32 else bits.astype(out)
    codes = jax.lax.bitcast_convert_type(x, jnp.uint8).astype(jnp.int32)
    return jnp.asarray(table)[codes]


def decode(x):
    """A float8 array widened to float32 exactly as torch does (including NaN payloads)."""
    return _lookup(x, np.float32)


def _floating(np_dtype):
    return np.dtype(np_dtype).kind == "f" or np.dtype(np_dtype) == jnp.bfloat16 or \
        is_float8(np_dtype)


def convert(x, np_dtype):
    """x.astype(np_dtype) with torch's semantics whenever either side is a float8 dtype;
    differentiable between floating dtypes (the gradient is cast back, as ToCopyBackward0)."""
    if _floating(x.dtype) and _floating(np_dtype):
        return _convert_diff(x, np.dtype(np_dtype))
    return _convert(x, np_dtype)


@functools.partial(jax.custom_vjp, nondiff_argnums=(1,))
def _convert_diff(x, np_dtype):
    return _convert(x, np_dtype)


def _convert_fwd(x, np_dtype):
    # NOTE: a 0-d zero carries the source dtype to the backward pass (residuals are arrays).
    return _convert(x, np_dtype), jnp.zeros((), x.dtype)


def _convert_bwd(np_dtype, like, g):
    return (_convert(g, like.dtype),)


_convert_diff.defvjp(_convert_fwd, _convert_bwd)


def _convert(x, np_dtype):
    np_dtype = np.dtype(np_dtype)
    src8, dst8 = is_float8(x.dtype), np_dtype in _NAME_OF
    if src8 and dst8:
        if np.dtype(x.dtype) == np_dtype:
            return x
        return encode(decode(x), np_dtype)
    if src8:
        if np_dtype == np.float64:
            return _lookup(x, np.float64)
        if np_dtype == jnp.bfloat16:
            # NOTE: every float8 value is exact in bfloat16: the top half of its float32 bits
            # (an XLA convert would flush e8m0fnu's 2**-127 to zero); NaN is c10's 0x7fc0.
            f = decode(x)
            b16 = jnp.where(jnp.isnan(f), jnp.uint16(0x7FC0), (_bits(f) >> 16).astype(jnp.uint16))
            return jax.lax.bitcast_convert_type(b16, jnp.bfloat16)
        if np_dtype == np.bool_:
            # NOTE: from the code, not the value: XLA's CPU compares treat e8m0fnu's 2**-127
            # (a float32 subnormal) as zero. Zero is 0x00/0x80 (0x00 only for fnuz; none in
            # e8m0fnu); NaN is true.
            code = jax.lax.bitcast_convert_type(x, jnp.uint8)
            name = _NAME_OF[np.dtype(x.dtype)]
            if name == "float8_e8m0fnu":
                return jnp.ones(x.shape, np.bool_)
            mask = 0xFF if name.endswith("fnuz") else 0x7F
            return (code & jnp.uint8(mask)) != 0
        return decode(x).astype(np_dtype)
    if dst8:
        return encode(x, np_dtype)
    return x.astype(np_dtype)


# ---- which ops torch's CPU kernels run on float8 -------------------------------------------
# NOTE: torch (2.13, CPU) has float8 kernels only for copies, views, indexing, cat/stack,
# where, eq/ne/isnan, abs, mul of two float8 tensors and mm/matmul; everything else raises
# NotImplementedError naming its kernel. The table maps jtorch op names to that kernel name
# (a function of the dtype and operands where torch's rule depends on them). Ops not listed
# run in JAX unchanged.

def _names(d):
    return "F" + d._name[1:]


def _with_scalar(kernel, scalar_kernel):
    # NOTE: a Python number or a 0-d operand takes torch's "reduced float" scalar path.
    def rule(d, arrs):
        if any(getattr(a, "weak_type", False) or a.ndim == 0 for a in arrs):
            return scalar_kernel
        return kernel
    return rule


def _only(kernel, *allowed):
    return lambda d, arrs: None if d._name in allowed else kernel


def _always(kernel):
    return lambda d, arrs: kernel


_REFUSED = {
    **{n: _always("add_stub") for n in ("add", "add_alpha", "sub", "sub_alpha")},
    "mul": _with_scalar(None, "mul_cpu_reduced_float"),
    "div": _with_scalar("div_cpu", "div_cpu_reduced_float"),
    "div_floor": _always("div_floor_cpu"),
    **{n: _always("sum_cpu") for n in ("sum", "sum_dim", "mean", "mean_dim")},
    "neg": _always("neg_cpu"),
    **{n: _always(f"{n}_cpu") for n in ("lt", "le", "gt", "ge", "sign", "argmax", "argmin",
                                        "maximum", "minimum")},
    "max": _always("max_all"), "min": _always("min_all"),
    "max_dim": _always("max_cpu"), "min_dim": _always("min_cpu"),
    "amax": _always("max_values_cpu"), "amin": _always("min_values_cpu"),
    "sort": _always("sorting_kernel_method_name"),
    "relu": _always("clamp_min_scalar_cpu"), "clamp": _always("clamp_scalar_cpu"),
    "masked_fill": _always("masked_fill"), "masked_fill_tensor": _always("masked_fill"),
    "cumsum": _always("cumsum_out_cpu"), "prod": _always("prod_out_cpu"),
    "exp": _always("exp_vml_cpu"), "sqrt": _always("sqrt_vml_cpu"),
    "bmm": _always("bmm"),
    "isinf": _only("isinf", "float8_e5m2"),
    "isfinite": _only("isfinite", "float8_e5m2", "float8_e8m0fnu"),
    "abs": lambda d, arrs: "abs_cpu" if d._name == "float8_e8m0fnu" else None,
    **{n: lambda d, arrs: "addmm_impl_cpu_" if d._name == "float8_e8m0fnu" else None
       for n in ("mm", "matmul", "matmul_vm")},
}
# NOTE: torch computes these in float32 and rounds the result with its own float8 rounding
# (saturating for e4m3fn), so jtorch does the same rather than XLA's float8 arithmetic.
_UPCAST = {"mul", "mm", "matmul", "matmul_vm", "eq", "ne"}
GUARDED = frozenset(_REFUSED) | _UPCAST | {"_to_copy", "copy_", "clone", "fill_"}
# NOTE: ops whose kernel is chosen by self's dtype alone (the mask/index is not promoted).
_SELF_DTYPE = {"masked_fill", "masked_fill_tensor"}


def _by_np(np_dtype):
    from ._dtype import from_np
    return from_np(np_dtype)


def _arrays(args):
    return [a for a in args if isinstance(a, jax.Array)]


def _to_copy_guard(fn):
    def guarded(np_dtype, x):
        if is_float8(np_dtype) or is_float8(x.dtype):
            return convert(jnp.real(x) if jnp.iscomplexobj(x) else x, np_dtype)
        return fn(np_dtype, x)
    return guarded


def _copy_guard(fn):
    def guarded(dst, src):
        if is_float8(dst.dtype) or is_float8(src.dtype):
            src = convert(jnp.real(src) if jnp.iscomplexobj(src) else src, dst.dtype)
        return fn(dst, src)
    return guarded


def _clone_guard(fn):
    def guarded(x):
        if not is_float8(x.dtype):
            return fn(x)
        # NOTE: jtorch's clone adds a zero, which is NaN in e8m0fnu and turns -0 into +0;
        # a float8 copy must keep every bit.
        u = jax.lax.bitcast_convert_type(x, jnp.uint8)
        return jax.lax.bitcast_convert_type(u | jnp.zeros((), jnp.uint8), x.dtype)
    return guarded


def _fill_guard(fn):
    def guarded(x, v):
        if not is_float8(x.dtype):
            return fn(x, v)
        return jnp.broadcast_to(convert(jnp.asarray(v), x.dtype), x.shape)
    return guarded


def guard(name, fn):
    """fn with torch's float8 rules for op `name`: its NotImplementedError for float8 operands
    torch has no kernel for, float32 compute + torch's rounding where torch does that, and
    torch's float8 casts for `_to_copy`. Ops without float8 rules get fn back unchanged."""
    if name == "_to_copy":
        return _to_copy_guard(fn)
    if name == "copy_":
        return _copy_guard(fn)
    if name == "clone":
        return _clone_guard(fn)
    if name == "fill_":
        return _fill_guard(fn)
    rule, up = _REFUSED.get(name), name in _UPCAST
    if rule is None and not up:
        return fn

    def guarded(*args):
        arrs = _arrays(args)
        if not any(is_float8(a.dtype) for a in arrs):
            return fn(*args)
        if name in _SELF_DTYPE:
            d = _by_np(arrs[0].dtype)
        else:
            from ._ops.registry import result_dtype  # NOTE: lazy; the registry imports us
            d = result_dtype(*arrs)
        if not is_float8(d._np):
            return fn(*args)
        kernel = rule(d, arrs) if rule is not None else None
        if kernel is not None:
            raise NotImplementedError(f'"{kernel}" not implemented for \'{_names(d)}\'')
        if not up:
            return fn(*args)
        # NOTE: torch casts every operand to the common float8 dtype first (a == 1.5 compares
        # with float8(1.5)), then computes in float32.
        f32 = np.dtype(np.float32)
        out = fn(*[convert(a if a.dtype == d._np else convert(a, d._np), f32)
                   if isinstance(a, jax.Array) else a for a in args])
        return convert(out, d._np) if out.dtype == jnp.float32 else out
    return guarded
