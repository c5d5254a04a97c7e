"""torch.return_types: the structseq-like named tuples returned by max(dim), sort, topk, ..."""

__all__ = ["all_return_types"]

all_return_types = []


class _StructSeq(tuple):
    """Base of the return types: a tuple with read-only named fields (like a C structseq)."""

    __slots__ = ()
    _fields = ()
    n_fields = n_sequence_fields = 0
    n_unnamed_fields = 0

    def __new__(cls, sequence, dict=None):
        seq = tuple(sequence)
        n = len(cls._fields)
        if len(seq) != n:
            raise TypeError(f"torch.return_types.{cls.__name__}() takes a {n}-sequence "
                            f"({len(seq)}-sequence given)")
        return tuple.__new__(cls, seq)

    def __repr__(self):
        # NOTE: torch prints each field on its own line: "torch.return_types.max(\nvalues=..."
        body = ",\n".join(f"{f}={v!r}" for f, v in zip(self._fields, self))
        return f"torch.return_types.{type(self).__name__}(\n{body})"

    __str__ = __repr__

    def __reduce__(self):
        return (type(self), (tuple(self),))

    def __setattr__(self, name, value):
        raise AttributeError("readonly attribute")


def _field(i):
    return property(lambda self: tuple.__getitem__(self, i), doc=f"Field {i}.")


def _make(name, fields):
    ns = {"__slots__": (), "_fields": tuple(fields), "n_fields": len(fields),
          "n_sequence_fields": len(fields), "__module__": "torch.return_types",
          "__doc__": f"torch.return_types.{name}({', '.join(fields)})."}
    for i, f in enumerate(fields):
        ns[f] = _field(i)
    cls = type(name, (_StructSeq,), ns)
    globals()[name] = cls
    __all__.append(name)
    all_return_types.append(cls)
    return cls


# NOTE: field orders as torch defines them (checked against torch 2.13's reprs).
_SPECS = {
    "aminmax": ("min", "max"), "cummax": ("values", "indices"), "cummin": ("values", "indices"),
    "frexp": ("mantissa", "exponent"), "geqrf": ("a", "tau"),
    "histogram": ("hist", "bin_edges"), "histogramdd": ("hist", "bin_edges"),
    "kthvalue": ("values", "indices"), "linalg_cholesky_ex": ("L", "info"),
    "linalg_eig": ("eigenvalues", "eigenvectors"), "linalg_eigh": ("eigenvalues", "eigenvectors"),
    "linalg_inv_ex": ("inverse", "info"), "linalg_ldl_factor": ("LD", "pivots"),
    "linalg_ldl_factor_ex": ("LD", "pivots", "info"),
    "linalg_lstsq": ("solution", "residuals", "rank", "singular_values"),
    "linalg_lu": ("P", "L", "U"), "linalg_lu_factor": ("LU", "pivots"),
    "linalg_lu_factor_ex": ("LU", "pivots", "info"), "linalg_qr": ("Q", "R"),
    "linalg_slogdet": ("sign", "logabsdet"), "linalg_solve_ex": ("result", "info"),
    "linalg_svd": ("U", "S", "Vh"), "lu_unpack": ("P", "L", "U"),
    "max": ("values", "indices"), "median": ("values", "indices"), "min": ("values", "indices"),
    "mode": ("values", "indices"), "nanmedian": ("values", "indices"), "qr": ("Q", "R"),
    "slogdet": ("sign", "logabsdet"), "sort": ("values", "indices"), "svd": ("U", "S", "V"),
    "topk": ("values", "indices"), "triangular_solve": ("solution", "cloned_coefficient"),
}
for _n, _f in _SPECS.items():
    _make(_n, _f)
    if _n != "histogramdd":
        _make(_n + "_out", _f)
del _n, _f
