"""torch.nn.utils.parametrizations: orthogonal, spectral_norm and weight_norm (parametrize)."""
from enum import Enum, auto

import jtorch as _jt

from ... import autograd as _autograd
from ..._tensor import Tensor, wrap as _wrap
from .. import functional as F
from ..modules.module import Module
from . import parametrize
from ._weight_norm import _weight_norm, norm_except_dim

__all__ = ["orthogonal", "spectral_norm", "weight_norm"]


def _geqrf(A):
    """(a, tau) of LAPACK's geqrf, as torch.geqrf (no autograd: used under no_grad only)."""
    # NOTE: jax exposes geqrf (LAPACK's Householder QR) only under jax._src (JAX 0.10)
    from jax._src.lax.linalg import geqrf
    a, tau = geqrf(A.detach()._arr())
    return _wrap(a), _wrap(tau)


def _is_orthogonal(Q, eps=None):
    n, k = Q.size(-2), Q.size(-1)
    Id = _jt.eye(k, dtype=Q.dtype, device=Q.device)
    # NOTE: as torch: a very loose tolerance, the check only avoids recomputing a QR
    eps = 10.0 * n * _jt.finfo(Q.dtype).eps
    return bool(((Q.mH @ Q - Id).abs() <= eps + 1e-5 * Id.abs()).all())  # torch.allclose


def _make_orthogonal(A):
    """The Q of A's QR decomposition with R's diagonal made positive."""
    X, tau = _geqrf(A)
    Q = _jt.linalg.householder_product(X, tau)
    # NOTE: torch multiplies by the sign of R's diagonal so the map is well defined
    Q = Q * X.diagonal(dim1=-2, dim2=-1).sgn().unsqueeze(-2)
    return Q


class _OrthMaps(Enum):
    matrix_exp = auto()
    cayley = auto()
    householder = auto()


class _Orthogonal(Module):
    def __init__(self, weight, orthogonal_map, *, use_trivialization=True):
        super().__init__()
        if weight.is_complex() and orthogonal_map == _OrthMaps.householder:
            raise ValueError("The householder parametrization does not support complex tensors.")
        self.shape = weight.shape
        self.orthogonal_map = orthogonal_map
        if use_trivialization:
            self.register_buffer("base", None)

    def forward(self, X):
        """X (unconstrained) -> an orthogonal matrix (or batch of them)."""
        n, k = X.size(-2), X.size(-1)
        transposed = n < k
        if transposed:
            X = X.mT
            n, k = k, n
        if self.orthogonal_map in (_OrthMaps.matrix_exp, _OrthMaps.cayley):
            X = X.tril()
            if n != k:
                X = _jt.cat([X, X.new_zeros(n, n - k).expand(*X.shape[:-2], -1, -1)], dim=-1)
            A = X - X.mH
            if self.orthogonal_map == _OrthMaps.matrix_exp:
                Q = _jt.matrix_exp(A)
            else:
                Id = _jt.eye(n, dtype=A.dtype, device=A.device)
                Q = _jt.linalg.solve(_jt.add(Id, A, alpha=-0.5), _jt.add(Id, A, alpha=0.5))
            if n != k:
                Q = Q[..., :k]
        else:
            A = X.tril(diagonal=-1)
            tau = 2.0 / (1.0 + (A * A).sum(dim=-2))
            Q = _jt.linalg.householder_product(A, tau)
            Q = Q * X.diagonal(dim1=-2, dim2=-1).int().unsqueeze(-2)
        if hasattr(self, "base"):
            Q = self.base @ Q
        if transposed:
            Q = Q.mT
        return Q

    def right_inverse(self, Q):
        """Store Q as the base (trivialization) or as Householder reflectors."""
        with _autograd.no_grad():
            return self._right_inverse(Q)

    def _right_inverse(self, Q):
        if Q.shape != self.shape:
            raise ValueError(f"Expected a matrix or batch of matrices of shape {self.shape}. "
                             f"Got a tensor of shape {Q.shape}.")
        Q_init = Q
        n, k = Q.size(-2), Q.size(-1)
        transpose = n < k
        if transpose:
            Q = Q.mT
            n, k = k, n
        if not hasattr(self, "base"):
            if self.orthogonal_map in (_OrthMaps.cayley, _OrthMaps.matrix_exp):
                raise NotImplementedError("It is not possible to assign to the matrix exponential "
                                          "or the Cayley parametrizations when "
                                          "use_trivialization=False.")
            A, tau = _geqrf(Q)
            # NOTE: torch: diagonal := sign(diagonal), flipped where tau == 0 (so that the
            # forward's `.int()` of the diagonal reproduces Q's signs)
            d = A.diagonal(dim1=-2, dim2=-1).sign()
            d = _jt.where(tau == 0.0, -d, d)
            A.diagonal(dim1=-2, dim2=-1).copy_(d)
            return A.mT if transpose else A
        if n == k:
            Q = _make_orthogonal(Q) if not _is_orthogonal(Q) else Q.clone()
        else:
            N = _jt.randn(*(Q.size()[:-2] + (n, n - k)), dtype=Q.dtype, device=Q.device)
            Q = _make_orthogonal(_jt.cat([Q, N], dim=-1))
        self.base = Q
        neg_Id = _jt.zeros_like(Q_init)
        neg_Id.diagonal(dim1=-2, dim2=-1).fill_(-1.0)
        return neg_Id


def orthogonal(module, name="weight", orthogonal_map=None, *, use_trivialization=True):
    """Parametrize module.<name> as an orthogonal (unitary) matrix or batch of matrices."""
    weight = getattr(module, name, None)
    if not isinstance(weight, Tensor):
        raise ValueError(f"Module '{module}' has no parameter or buffer with name '{name}'")
    if weight.ndim < 2:
        raise ValueError("Expected a matrix or batch of matrices. "
                         f"Got a tensor of {weight.ndim} dimensions.")
    if orthogonal_map is None:
        orthogonal_map = ("matrix_exp" if weight.size(-2) == weight.size(-1)
                          or weight.is_complex() else "householder")
    orth_enum = getattr(_OrthMaps, orthogonal_map, None)
    if orth_enum is None:
        raise ValueError('orthogonal_map has to be one of "matrix_exp", "cayley", "householder". '
                         f"Got: {orthogonal_map}")
    orth = _Orthogonal(weight, orth_enum, use_trivialization=use_trivialization)
    parametrize.register_parametrization(module, name, orth, unsafe=True)
    return module


class _WeightNorm(Module):
    def __init__(self, dim=0):
        super().__init__()
        if dim is None:
            dim = -1
        self.dim = dim

    def forward(self, weight_g, weight_v):
        """weight = g * v / ||v|| (norm over every dim but self.dim)."""
        return _weight_norm(weight_v, weight_g, self.dim)

    def right_inverse(self, weight):
        """(g, v) with g = ||weight|| and v = weight."""
        weight_g = norm_except_dim(weight, 2, self.dim)
        weight_v = weight
        return weight_g, weight_v


def weight_norm(module, name="weight", dim=0):
    """Weight normalization as a parametrization (originals: original0 = g, original1 = v)."""
    _wn = _WeightNorm(dim)
    parametrize.register_parametrization(module, name, _wn, unsafe=True)

    def _weight_norm_compat_hook(state_dict, prefix, local_metadata, strict, missing_keys,
                                 unexpected_keys, error_msgs):
        # NOTE: as torch: accept state_dicts saved with the legacy weight_g/weight_v names
        g_key = f"{prefix}{name}_g"
        v_key = f"{prefix}{name}_v"
        if g_key in state_dict and v_key in state_dict:
            original0 = state_dict.pop(g_key)
            original1 = state_dict.pop(v_key)
            state_dict[f"{prefix}parametrizations.{name}.original0"] = original0
            state_dict[f"{prefix}parametrizations.{name}.original1"] = original1

    module._register_load_state_dict_pre_hook(_weight_norm_compat_hook)
    return module


class _SpectralNorm(Module):
    def __init__(self, weight, n_power_iterations=1, dim=0, eps=1e-12):
        super().__init__()
        ndim = weight.ndim
        if dim >= ndim or dim < -ndim:
            raise IndexError("Dimension out of range (expected to be in range of "
                             f"[-{ndim}, {ndim - 1}] but got {dim})")
        if n_power_iterations <= 0:
            raise ValueError("Expected n_power_iterations to be positive, but "
                             f"got n_power_iterations={n_power_iterations}")
        self.dim = dim if dim >= 0 else dim + ndim
        self.eps = eps
        if ndim > 1:
            self.n_power_iterations = n_power_iterations
            weight_mat = self._reshape_weight_to_matrix(weight)
            h, w = weight_mat.size()
            with _autograd.no_grad():
                u = weight_mat.new_empty(h).normal_(0, 1)
                v = weight_mat.new_empty(w).normal_(0, 1)
                self.register_buffer("_u", F.normalize(u, dim=0, eps=self.eps))
                self.register_buffer("_v", F.normalize(v, dim=0, eps=self.eps))
            # NOTE: as torch: 15 power iterations at registration so sigma starts accurate
            self._power_method(weight_mat, 15)

    def _reshape_weight_to_matrix(self, weight):
        if weight.ndim <= 1:
            raise AssertionError("Expected weight to have more than 1 dimension, got "
                                 f"{weight.ndim}")
        if self.dim != 0:
            weight = weight.permute(self.dim, *(d for d in range(weight.dim()) if d != self.dim))
        return weight.flatten(1)

    def _power_method(self, weight_mat, n_power_iterations):
        with _autograd.no_grad():
            weight_mat = weight_mat.detach()
            for _ in range(n_power_iterations):
                # NOTE: torch writes with out= into the buffers (same tensor objects); copy_ is
                # the in-place equivalent here
                self._u.copy_(F.normalize(_jt.mv(weight_mat, self._v), dim=0, eps=self.eps))
                self._v.copy_(F.normalize(_jt.mv(weight_mat.mH, self._u), dim=0, eps=self.eps))

    def forward(self, weight):
        """weight / sigma, sigma estimated by power iteration (updated in training mode)."""
        if weight.ndim == 1:
            return F.normalize(weight, dim=0, eps=self.eps)
        weight_mat = self._reshape_weight_to_matrix(weight)
        if self.training:
            self._power_method(weight_mat, self.n_power_iterations)
        u = self._u.clone()
        v = self._v.clone()
        sigma = _jt.vdot(u, _jt.mv(weight_mat, v))
        return weight / sigma

    def right_inverse(self, value):
        """The identity (the original is the unnormalized weight)."""
        return value


def spectral_norm(module, name="weight", n_power_iterations=1, eps=1e-12, dim=None):
    """Spectral normalization as a parametrization (buffers _u, _v on the parametrization)."""
    weight = getattr(module, name, None)
    if not isinstance(weight, Tensor):
        raise ValueError(f"Module '{module}' has no parameter or buffer with name '{name}'")
    if dim is None:
        dim = 1 if _is_conv_transpose(module) else 0
    parametrize.register_parametrization(
        module, name, _SpectralNorm(weight, n_power_iterations, dim, eps))
    return module


def _is_conv_transpose(module):
    from .. import modules as M
    classes = tuple(getattr(M, n) for n in ("ConvTranspose1d", "ConvTranspose2d",
                                            "ConvTranspose3d") if hasattr(M, n))
    return bool(classes) and isinstance(module, classes)
