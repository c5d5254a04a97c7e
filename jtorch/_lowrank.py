"""torch.svd_lowrank / torch.pca_lowrank: randomized low-rank SVD and PCA (Halko et al. 2009),
ported from torch/_lowrank.py onto jtorch's public ops (so autograd flows through them)."""
import jtorch as torch

__all__ = ["svd_lowrank", "pca_lowrank"]


def _floating_dtype(A):
    """torch._linalg_utils.get_floating_dtype: float16/32/64 stay, anything else -> float32."""
    if A.dtype in (torch.float16, torch.float32, torch.float64):
        return A.dtype
    return torch.float32


def _check_dense(*tensors):
    """jtorch has no sparse layouts; say so instead of computing something else."""
    for t in tensors:
        if t is not None and getattr(t, "is_sparse", False):
            raise NotImplementedError("jtorch: svd_lowrank/pca_lowrank of sparse tensors is not "
                                      "supported (jtorch has no sparse layouts)")


def get_approximate_basis(A, q, niter=2, M=None):
    """An orthonormal (m, q) basis Q with A ~= Q Q^H A (Halko et al., Algorithm 4.4)."""
    niter = 2 if niter is None else niter
    dtype = _floating_dtype(A) if not A.is_complex() else A.dtype
    # NOTE: torch draws one (n, q) sketch shared by every batch element; so does jtorch
    # (from jtorch's own RNG, so the basis differs from torch's but spans the same range).
    R = torch.randn(A.shape[-1], q, dtype=dtype, device=A.device)
    X = torch.matmul(A, R)
    if M is not None:
        X = X - torch.matmul(M, R)
    Q = torch.linalg.qr(X).Q
    for _ in range(niter):
        X = torch.matmul(A.mH, Q)
        if M is not None:
            X = X - torch.matmul(M.mH, Q)
        Q = torch.linalg.qr(X).Q
        X = torch.matmul(A, Q)
        if M is not None:
            X = X - torch.matmul(M, Q)
        Q = torch.linalg.qr(X).Q
    return Q


def svd_lowrank(A, q=6, niter=2, M=None):
    """Approximate rank-q SVD (U, S, V) of A - M, with A ~= U diag(S) V^H."""
    return _svd_lowrank(A, q=q, niter=niter, M=M)


def _svd_lowrank(A, q=6, niter=2, M=None):
    """svd_lowrank without argument checks (torch's private helper of the same name)."""
    _check_dense(A, M)
    q = 6 if q is None else q
    m, n = A.shape[-2:]
    if M is not None:
        M = M.broadcast_to(A.size())
    # NOTE: work on the tall orientation; the sketch is (min(m, n), q)-shaped either way.
    if m < n:
        A = A.mH
        if M is not None:
            M = M.mH
    Q = get_approximate_basis(A, q, niter=niter, M=M)
    B = torch.matmul(Q.mH, A)
    if M is not None:
        B = B - torch.matmul(Q.mH, M)
    U, S, Vh = torch.linalg.svd(B, full_matrices=False)
    V = Vh.mH
    U = Q.matmul(U)
    if m < n:
        U, V = V, U
    return U, S, V


def pca_lowrank(A, q=None, center=True, niter=2):
    """Approximate PCA of A: the low-rank SVD (U, S, V) of A minus its column means."""
    _check_dense(A)
    (m, n) = A.shape[-2:]
    if q is None:
        q = min(6, m, n)
    elif not (q >= 0 and q <= min(m, n)):
        raise ValueError(f"q(={q}) must be non-negative integer and not greater than "
                         f"min(m, n)={min(m, n)}")
    if not (niter >= 0):
        raise ValueError(f"niter(={niter}) must be non-negative integer")
    if not center:
        return _svd_lowrank(A, q, niter=niter, M=None)
    C = A.mean(dim=(-2,), keepdim=True)
    return _svd_lowrank(A - C, q, niter=niter, M=None)
