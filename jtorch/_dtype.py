"""torch dtypes, their JAX/NumPy counterparts, and torch's type-promotion rules."""
import builtins

import jax.numpy as jnp
import numpy as np

__all__ = [
    "dtype", "get_default_dtype", "set_default_dtype", "promote_types", "result_type",
    "can_cast", "finfo", "iinfo",
]


class dtype:
    """A torch dtype: name, size and kind, backed by a NumPy/JAX dtype."""

    __slots__ = ("_name", "_np", "itemsize", "is_floating_point", "is_complex", "is_signed",
                 "_cat", "_rank")

    def __init__(self, name, np_dtype, cat, rank):
        self._name = name
        self._np = np.dtype(np_dtype)
        self.itemsize = self._np.itemsize
        # NOTE: _cat is torch's promotion category: 0 bool, 1 integer, 2 floating, 3 complex.
        self._cat = cat
        self._rank = rank
        self.is_floating_point = cat == 2
        self.is_complex = cat == 3
        self.is_signed = name not in ("bool", "uint8", "uint16", "uint32", "uint64",
                                      "float8_e8m0fnu")

    def __repr__(self):
        return "torch." + self._name

    __str__ = __repr__

    def __reduce__(self):
        return (_lookup, (self._name,))

    def to_real(self):
        """The real counterpart of a complex dtype (self otherwise)."""
        return {"complex64": float32, "complex128": float64}.get(self._name, self)

    def to_complex(self):
        """The complex counterpart of a floating dtype."""
        if self._name.startswith("float8"):
            raise RuntimeError(f"Unknown Complex ScalarType for {_SCALAR_NAMES[self._name]}")
        return {"float32": complex64, "float64": complex128, "float16": complex64,
                "bfloat16": complex64}.get(self._name, self)


def _lookup(name):
    return _BY_NAME[name]


bool = dtype("bool", np.bool_, 0, 0)
uint8 = dtype("uint8", np.uint8, 1, 1)
int8 = dtype("int8", np.int8, 1, 2)
int16 = dtype("int16", np.int16, 1, 3)
int32 = dtype("int32", np.int32, 1, 4)
int64 = dtype("int64", np.int64, 1, 5)
uint16 = dtype("uint16", np.uint16, 1, 6)
uint32 = dtype("uint32", np.uint32, 1, 7)
uint64 = dtype("uint64", np.uint64, 1, 8)
float16 = dtype("float16", jnp.float16, 2, 10)
bfloat16 = dtype("bfloat16", jnp.bfloat16, 2, 11)
float32 = dtype("float32", np.float32, 2, 12)
float64 = dtype("float64", np.float64, 2, 13)
complex64 = dtype("complex64", np.complex64, 3, 20)
complex128 = dtype("complex128", np.complex128, 3, 21)
# NOTE: torch's float8 dtypes (ml_dtypes underneath). Floating point, but torch refuses to
# promote them with any other dtype, and its casts follow jtorch/_float8.py, not XLA's.
float8_e4m3fn = dtype("float8_e4m3fn", jnp.float8_e4m3fn, 2, 30)
float8_e5m2 = dtype("float8_e5m2", jnp.float8_e5m2, 2, 31)
float8_e4m3fnuz = dtype("float8_e4m3fnuz", jnp.float8_e4m3fnuz, 2, 32)
float8_e5m2fnuz = dtype("float8_e5m2fnuz", jnp.float8_e5m2fnuz, 2, 33)
float8_e8m0fnu = dtype("float8_e8m0fnu", jnp.float8_e8m0fnu, 2, 34)
FLOAT8 = (float8_e4m3fn, float8_e5m2, float8_e4m3fnuz, float8_e5m2fnuz, float8_e8m0fnu)

half, float, double = float16, float32, float64
short, int, long = int16, int32, int64
cfloat, cdouble = complex64, complex128

ALL = (bool, uint8, int8, int16, int32, int64, uint16, uint32, uint64, float16, bfloat16,
       float32, float64, complex64, complex128) + FLOAT8
_BY_NAME = {d._name: d for d in ALL}
# NOTE: keyed by np.dtype so the dtype of any jax.Array maps back in one dict lookup.
_FROM_NP = {d._np: d for d in ALL}
# NOTE: c10's ScalarType names, which torch's promotion and kernel errors print.
_SCALAR_NAMES = {"bool": "Bool", "uint8": "Byte", "int8": "Char", "int16": "Short", "int32": "Int",
                 "int64": "Long", "uint16": "UInt16", "uint32": "UInt32", "uint64": "UInt64",
                 "float16": "Half", "bfloat16": "BFloat16", "float32": "Float",
                 "float64": "Double", "complex64": "ComplexFloat", "complex128": "ComplexDouble",
                 **{d._name: "F" + d._name[1:] for d in FLOAT8}}
_ALIASES = {"half": float16, "float": float32, "double": float64, "short": int16, "int": int32,
            "long": int64, "cfloat": complex64, "cdouble": complex128}


def from_np(np_dtype):
    """The torch dtype of a NumPy/JAX dtype."""
    try:
        return _FROM_NP[np_dtype]
    except KeyError:
        d = _FROM_NP.get(np.dtype(np_dtype))
        if d is None:
            raise TypeError(f"jtorch has no dtype for {np_dtype}") from None
        return d


def to_dtype(x):
    """Coerce a torch dtype, Python type, NumPy dtype or name to a torch dtype."""
    if x.__class__ is dtype:
        return x
    # NOTE: torch maps the Python types to fixed dtypes (float is a C double), not to the
    # default dtype: zeros(2, dtype=float) is float64.
    if x is builtins.float:
        return float64
    if x is builtins.int:
        return int64
    if x is builtins.bool:
        return bool
    if x is builtins.complex:
        return complex128
    if isinstance(x, str):
        name = x[6:] if x.startswith("torch.") else x
        if name in _BY_NAME:
            return _BY_NAME[name]
        if name in _ALIASES:
            return _ALIASES[name]
    try:
        return from_np(np.dtype(x))
    except TypeError:
        raise TypeError(f"cannot interpret {x!r} as a data type") from None


_default = [float32]


def get_default_dtype():
    """Return the default floating point dtype (float32 unless changed)."""
    return _default[0]


def set_default_dtype(d):
    """Set the default floating point dtype (float16, bfloat16, float32 or float64)."""
    d = to_dtype(d)
    if not d.is_floating_point:
        raise TypeError(f"only floating-point types are supported as the default type, got {d}")
    if d in FLOAT8:
        raise TypeError(f"couldn't find storage object {_SCALAR_NAMES[d._name]}Storage")
    if d is not _default[0]:
        _default[0] = d
        # NOTE: ops read the default dtype at trace time, and every compiled op (and JAX's
        # trace cache) would keep the old one; drop them so they retrace. Rare, so cheap.
        import jax
        jax.clear_caches()


# ---- promotion -------------------------------------------------------------------------

def _build_promotion_table():
    # NOTE: torch's table (c10/core/ScalarType.cpp). Unsigned 16/32/64 only promote with
    # themselves, bool and uint8 in torch; other mixes are errors there.
    names = ["uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64",
             "complex64", "complex128", "bool", "bfloat16"]
    u1, i1, i2, i4, i8, f2, f4, f8, c4, c8, b1, bf = names
    rows = [
        [u1, i2, i2, i4, i8, f2, f4, f8, c4, c8, u1, bf],
        [i2, i1, i2, i4, i8, f2, f4, f8, c4, c8, i1, bf],
        [i2, i2, i2, i4, i8, f2, f4, f8, c4, c8, i2, bf],
        [i4, i4, i4, i4, i8, f2, f4, f8, c4, c8, i4, bf],
        [i8, i8, i8, i8, i8, f2, f4, f8, c4, c8, i8, bf],
        [f2, f2, f2, f2, f2, f2, f4, f8, c4, c8, f2, f4],
        [f4, f4, f4, f4, f4, f4, f4, f8, c4, c8, f4, f4],
        [f8, f8, f8, f8, f8, f8, f8, f8, c8, c8, f8, f8],
        [c4, c4, c4, c4, c4, c4, c4, c8, c4, c8, c4, c4],
        [c8, c8, c8, c8, c8, c8, c8, c8, c8, c8, c8, c8],
        [u1, i1, i2, i4, i8, f2, f4, f8, c4, c8, b1, bf],
        [bf, bf, bf, bf, bf, f4, f4, f8, c4, c8, bf, bf],
    ]
    table = {}
    for a, row in zip(names, rows):
        for b, r in zip(names, row):
            table[(_BY_NAME[a], _BY_NAME[b])] = _BY_NAME[r]
    for u in (uint16, uint32, uint64):
        for o in ALL:
            if o in FLOAT8:
                continue
            if o is u or o is bool:
                table[(u, o)] = table[(o, u)] = u
            elif o in (uint16, uint32, uint64):
                table[(u, o)] = table[(o, u)] = u if u._rank > o._rank else o
            elif o is uint8:
                table[(u, o)] = table[(o, u)] = u
            elif o._cat >= 2:
                table[(u, o)] = table[(o, u)] = o
    for f in FLOAT8:
        table[(f, f)] = f  # NOTE: a float8 dtype promotes with itself only
    return table


_PROMOTE = _build_promotion_table()


def _pair(a, b):
    """torch's promoteTypes(a, b), raising torch's RuntimeError for unsupported pairs."""
    try:
        return _PROMOTE[(a, b)]
    except KeyError:
        pass
    if a in FLOAT8 or b in FLOAT8:
        raise RuntimeError(f"Promotion for Float8 Types is not supported, attempted to promote "
                           f"{_SCALAR_NAMES[a._name]} and {_SCALAR_NAMES[b._name]}")
    raise RuntimeError(f"Promotion for uint16, uint32, uint64 types is not supported, "
                       f"attempted to promote {a._name} and {b._name}")


def promote_types(type1, type2):
    """The smallest dtype to which both dtypes can be safely cast (torch's table)."""
    return _pair(to_dtype(type1), to_dtype(type2))


def _combine(higher, lower):
    # NOTE: c10's combine_categories: a lower-priority class only matters if it is of a
    # higher category (bool < int < float < complex) than the higher-priority class.
    if higher is None:
        return lower
    if lower is None:
        return higher
    if higher._cat == 3:
        return higher
    if lower._cat == 3:
        return higher.to_complex() if higher._cat == 2 else lower
    if higher._cat == 2:
        return higher
    if higher is bool or lower._cat == 2:
        return _pair(higher, lower)
    return higher


def _merge(acc, d):
    return d if acc is None else _pair(acc, d)


def scalar_dtype(x):
    """The dtype torch gives a wrapped Python number (default float/complex for floats)."""
    t = type(x)
    if t is builtins.bool or isinstance(x, (np.bool_,)):
        return bool
    if t is builtins.int or isinstance(x, np.integer):
        return int64
    if t is builtins.float or isinstance(x, np.floating):
        return _default[0]
    if t is builtins.complex or isinstance(x, np.complexfloating):
        return _default[0].to_complex()
    raise TypeError(f"unsupported scalar type {t.__name__}")


def promote_dtypes(dim_dtypes, zero_dtypes, scalar_dtypes):
    """torch's result type from dtypes of dimensioned tensors, 0-d tensors and scalars."""
    dim = zero = wrapped = None
    for d in dim_dtypes:
        dim = _merge(dim, d)
    for d in zero_dtypes:
        zero = _merge(zero, d)
    for d in scalar_dtypes:
        wrapped = _merge(wrapped, d)
    return _combine(dim, _combine(zero, wrapped))


def result_type(tensor1, tensor2):
    """The dtype torch's arithmetic would produce for these two operands."""
    dims, zeros, scalars = [], [], []
    for x in (tensor1, tensor2):
        d = getattr(x, "dtype", None)
        if d is not None and d.__class__ is dtype:
            (dims if x.dim() > 0 else zeros).append(d)
        else:
            scalars.append(scalar_dtype(x))
    return promote_dtypes(dims, zeros, scalars)


def can_cast(from_, to):
    """Whether torch's casting rules allow from_ -> to (no category downgrade)."""
    a, b = to_dtype(from_), to_dtype(to)
    return a._cat <= b._cat


class finfo:
    """Machine limits of a floating point dtype, like torch.finfo."""

    def __init__(self, type=None):
        d = _default[0] if type is None else to_dtype(type)
        if not (d.is_floating_point or d.is_complex):
            raise TypeError(f"torch.finfo() requires a floating point input type. Use torch.iinfo "
                            f"to handle '{d._name}'")
        f = jnp.finfo(d.to_real()._np)
        self.bits = f.bits
        self.eps = builtins.float(f.eps)
        self.max = builtins.float(f.max)
        self.min = builtins.float(f.min)
        self.tiny = self.smallest_normal = builtins.float(f.tiny)
        # NOTE: torch's resolution is exactly 10**-precision as a Python float (1e-06, not
        # NumPy's float32 value 9.99e-07 widened to double).
        self.resolution = 10.0 ** -builtins.int(f.precision)
        if d in FLOAT8:
            # NOTE: c10's numeric_limits: digits10 is 0 for every float8 (resolution 1), the
            # e5m2fnuz epsilon is the code 0x34 (0.125, not ml_dtypes' 0.25), and e8m0fnu's
            # lowest is its smallest positive value (it has no sign).
            self.resolution = 1.0
            if d is float8_e5m2fnuz:
                self.eps = 0.125
            if d is float8_e8m0fnu:
                self.min = self.tiny
        self.dtype = d.to_real()._name

    def __eq__(self, other):
        return isinstance(other, finfo) and self.dtype == other.dtype

    def __hash__(self):
        return hash(("finfo", self.dtype))

    def __repr__(self):
        # NOTE: torch prints every field with %g (resolution=1e-06, resolution=1).
        return (f"finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, "
                f"eps={self.eps:g}, smallest_normal={self.smallest_normal:g}, "
                f"tiny={self.tiny:g}, dtype={self.dtype})")


class iinfo:
    """Machine limits of an integer dtype, like torch.iinfo."""

    def __init__(self, type):
        d = to_dtype(type)
        if d.is_floating_point or d.is_complex:
            raise TypeError(f"torch.iinfo() requires an integer input type. Use torch.finfo to "
                            f"handle '{d._name}'")
        if d is bool:
            raise TypeError("torch.bool is not supported by torch.iinfo")
        i = np.iinfo(d._np)
        self.bits, self.min, self.max = i.bits, builtins.int(i.min), builtins.int(i.max)
        self.dtype = d._name

    def __eq__(self, other):
        return isinstance(other, iinfo) and self.dtype == other.dtype

    def __hash__(self):
        return hash(("iinfo", self.dtype))

    def __repr__(self):
        # NOTE: torch formats the limits with %g (iinfo(min=-2.14748e+09, ...)).
        return f"iinfo(min={self.min:g}, max={self.max:g}, dtype={self.dtype})"
