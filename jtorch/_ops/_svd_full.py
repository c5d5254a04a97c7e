"""linalg.svd(full_matrices=True) with torch's derivative: the extra columns of U (rows of Vh)
carry no gradient; the first k follow the reduced SVD's rule."""
import jax
import jax.numpy as jnp

__all__ = ["svd_full"]


def _H(x):
    return jnp.conj(jnp.swapaxes(x, -1, -2))


def _T(x):
    return jnp.swapaxes(x, -1, -2)


@jax.custom_jvp
def svd_full(x):
    """(U, S, Vh) of jnp.linalg.svd(x, full_matrices=True), differentiable.
    NOTE: JAX has no JVP for full matrices; torch's svd_backward narrows gU/gVh to the first k
    columns/rows, i.e. ignores the extra ones, so they get a zero tangent here."""
    return jnp.linalg.svd(x, full_matrices=True)


@svd_full.defjvp
def _svd_full_jvp(primals, tangents):
    # NOTE: JAX's reduced-SVD JVP rule (jax._src.lax.linalg._svd_jvp_rule), applied to the
    # first k columns of the full factors so primal and tangent come from one decomposition.
    (a,), (da,) = primals, tangents
    u_full, s, vt_full = svd_full(a)
    k = s.shape[-1]
    u, vt = u_full[..., :k], vt_full[..., :k, :]
    ut, v = _H(u), _H(vt)
    s_dim = s[..., None, :]
    ds_mat = ut @ da @ v
    ds = jnp.real(jnp.diagonal(ds_mat, 0, -2, -1))
    s_diffs = (s_dim + _T(s_dim)) * (s_dim - _T(s_dim))
    eye = jnp.broadcast_to(jnp.eye(k, dtype=s.dtype), s_diffs.shape)
    f = 1 / (s_diffs + eye) - eye
    dss = s_dim.astype(a.dtype) * ds_mat
    sds = _T(s_dim.astype(a.dtype)) * ds_mat
    s_zeros = (s == 0).astype(s.dtype)
    s_inv = 1 / (s + s_zeros) - s_zeros
    du_dv_diag = .5 * (ds_mat - _H(ds_mat)) * (eye * s_inv[..., None, :]).astype(a.dtype)
    du = u @ (f.astype(a.dtype) * (dss + _H(dss)) + du_dv_diag)
    dv = v @ (f.astype(a.dtype) * (sds + _H(sds)))
    m, n = a.shape[-2:]
    if m > n:
        dav = da @ v
        du = du + (dav - u @ (ut @ dav)) / s_dim.astype(a.dtype)
    if n > m:
        dahu = _H(da) @ u
        dv = dv + (dahu - v @ (vt @ dahu)) / s_dim.astype(a.dtype)
    du_full = jnp.concatenate([du, jnp.zeros_like(u_full[..., k:])], axis=-1)
    dvt_full = jnp.concatenate([_H(dv), jnp.zeros_like(vt_full[..., k:, :])], axis=-2)
    return (u_full, s, vt_full), (du_full, ds, dvt_full)
