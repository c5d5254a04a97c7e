"""torch's top-level aliases of nn.functional ops (torch.softmax, torch.conv2d, torch.cdist, ...)
and the matching Tensor methods."""
from .nn import functional as F
from .nn.functional import _attention
from .nn.functional._grid import grid_sampler_2d, grid_sampler_3d
from .nn.functional._native_norm import native_batch_norm, native_group_norm, native_layer_norm
from ._tensor import Tensor

__all__ = ["softmax", "log_softmax", "cdist", "pdist", "cosine_similarity", "pairwise_distance",
           "prelu", "selu", "celu", "rrelu", "threshold", "hardshrink", "bilinear", "dropout",
           "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
           "conv_transpose3d", "pixel_shuffle", "pixel_unshuffle", "layer_norm", "group_norm",
           "max_pool1d", "max_pool2d", "max_pool3d", "avg_pool1d", "adaptive_avg_pool1d",
           "adaptive_max_pool1d", "ctc_loss", "grid_sampler_2d", "grid_sampler_3d",
           "native_batch_norm", "native_group_norm", "native_layer_norm"]


def softmax(input, dim, dtype=None):
    """torch.softmax(input, dim, dtype=None)."""
    return F.softmax(input, dim, dtype=dtype)


def log_softmax(input, dim, dtype=None):
    """torch.log_softmax(input, dim, dtype=None)."""
    return F.log_softmax(input, dim, dtype=dtype)


def dropout(input, p, train):
    """torch.dropout(input, p, train)."""
    return F.dropout(input, p, train)


cdist = _attention.cdist
# NOTE: these share torch.nn.functional's positional signatures
pdist, cosine_similarity, pairwise_distance = F.pdist, F.cosine_similarity, F.pairwise_distance
prelu, selu, celu, rrelu, threshold = F.prelu, F.selu, F.celu, F.rrelu, F.threshold
hardshrink, bilinear, ctc_loss = F.hardshrink, F.bilinear, F.ctc_loss
conv1d, conv2d, conv3d = F.conv1d, F.conv2d, F.conv3d
conv_transpose1d, conv_transpose2d, conv_transpose3d = (F.conv_transpose1d, F.conv_transpose2d,
                                                        F.conv_transpose3d)
pixel_shuffle, pixel_unshuffle = F.pixel_shuffle, F.pixel_unshuffle
layer_norm, group_norm = F.layer_norm, F.group_norm
max_pool1d, max_pool2d, max_pool3d, avg_pool1d = (F.max_pool1d, F.max_pool2d, F.max_pool3d,
                                                  F.avg_pool1d)
adaptive_avg_pool1d, adaptive_max_pool1d = F.adaptive_avg_pool1d, F.adaptive_max_pool1d


def _softmax_method(self, dim, dtype=None):
    """Tensor.softmax(dim, dtype=None)."""
    return F.softmax(self, dim, dtype=dtype)


def _log_softmax_method(self, dim, dtype=None):
    """Tensor.log_softmax(dim, dtype=None)."""
    return F.log_softmax(self, dim, dtype=dtype)


def _hardshrink_method(self, lambd=0.5):
    """Tensor.hardshrink(lambd=0.5)."""
    return F.hardshrink(self, lambd)


def _prelu_method(self, weight):
    """Tensor.prelu(weight)."""
    return F.prelu(self, weight)


for _name, _fn in (("softmax", _softmax_method), ("log_softmax", _log_softmax_method),
                   ("hardshrink", _hardshrink_method), ("prelu", _prelu_method)):
    if not hasattr(Tensor, _name):
        setattr(Tensor, _name, _fn)
