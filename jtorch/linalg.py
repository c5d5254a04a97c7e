"""torch.linalg: decompositions, solvers, norms and products (ops in jtorch/_ops/linalg_*.py)."""
from ._ops.linalg import matmul  # noqa: F401
from ._ops.linalg_decomp import (  # noqa: F401
    det, slogdet, inv, inv_ex, solve, solve_ex, solve_triangular, cholesky, cholesky_ex, qr, eigh,
    eigvalsh, eig, eigvals, svd, svdvals, matrix_power, matrix_exp, pinv, matrix_rank,
)
from ._ops.linalg_lu import lu_factor, lu_factor_ex, lu, lu_solve  # noqa: F401
from ._ops.linalg_ldl import ldl_factor, ldl_factor_ex, ldl_solve  # noqa: F401
from ._ops.linalg_extra import (  # noqa: F401
    vector_norm, matrix_norm, norm, cond, vecdot, multi_dot, cross, diagonal,
    householder_product, lstsq, tensorinv, tensorsolve, vander,
)


class LinAlgError(RuntimeError):
    """Raised for singular / non positive-definite input (torch.linalg.LinAlgError)."""


__all__ = ["matmul", "LinAlgError"] + [n for n in dir() if not n.startswith("_") and n not in
                                       ("matmul", "LinAlgError")]
