"""torch.nn.functional.linear_cross_entropy: cross_entropy(linear(input, W), target), optionally
computed over chunks of the batch (LinearCrossEntropyOptions) so that the full logits matrix is
never materialized at once."""
import dataclasses
import math
import warnings

__all__ = ["linear_cross_entropy"]

_ACC_POLICIES = ("auto", "accurate", "balanced", "compact")
# NOTE: torch resolves "auto" per (device, dtype) from measurements; its fallback for
# unlisted pairs is this one. The chunk size never changes the result, only peak memory.
_AUTO_CHUNKING = "aspect_ratio:2"


@dataclasses.dataclass(slots=True, frozen=True)
class LinearCrossEntropyOptions:
    """Chunking options of linear_cross_entropy (torch.nn.LinearCrossEntropyOptions)."""

    allow_retain_graph: bool = False
    batch_chunk_size: int | None = None
    chunking_method: str | None = "auto"
    acc_policy: str = "auto"
    acc_dtype: object = None

    def __post_init__(self):
        if self.acc_policy not in _ACC_POLICIES:
            raise ValueError(f"invalid acc_policy: {self.acc_policy!r}")
        if self.chunking_method is not None and self.chunking_method != "auto":
            _aspect_factor(self.chunking_method)
        if not (self.batch_chunk_size is None or (isinstance(self.batch_chunk_size, int)
                                                  and self.batch_chunk_size > 0)):
            raise ValueError(f"batch_chunk_size must be positive int or None, got "
                             f"{self.batch_chunk_size!r}")
        if self.acc_dtype is not None and str(self.acc_dtype) not in (
                "torch.float16", "torch.bfloat16", "torch.float32", "torch.float64"):
            raise ValueError(f"acc_dtype must be one of {{None, torch.float16, torch.bfloat16, "
                             f"torch.float32, torch.float64}}, got {self.acc_dtype!r}. Pass "
                             f"acc_dtype=None to let the op pick automatically.")


def _aspect_factor(method):
    """N of chunking method 'aspect_ratio[:N]' (torch's ValueError otherwise)."""
    name, sep, factor = method.partition(":")
    if not sep:
        factor = "1"
    if not (name == "aspect_ratio" and factor.isdigit() and int(factor) > 0):
        raise ValueError(f"invalid chunking_method: {method!r}")
    return int(factor)


def _chunk_size(options, n, in_features, num_classes):
    """Batch rows per chunk, resolved like torch's LinearCrossEntropyOptions._adjust."""
    bcs = getattr(options, "batch_chunk_size", None)
    method = getattr(options, "chunking_method", "auto")
    if method == "auto":
        method = None if bcs is not None else _AUTO_CHUNKING
    size = n if bcs is None else min(bcs, n)
    if method is not None:
        target = -(-n // -(-num_classes // in_features))
        size = min((1 << (target - 1).bit_length()) // _aspect_factor(method), n)
        if bcs is not None and bcs != size:
            raise ValueError(f"batch_chunk_size (={bcs}) and chunking_method ('{method}') give "
                             f"different chunk sizes ({bcs} vs {size}); pass only one.")
    return max(1, size)


def _chunked(input, linear_weight, target, linear_bias, weight, reduction, ignore_index,
             options):
    """The chunked path: per-chunk logits and unreduced losses, combined like cross_entropy."""
    from ._loss import cross_entropy
    from ..modules._linear_ops import linear
    from ..._ops.shape import cat
    unbatched = input.dim() == 1
    if unbatched:
        input, target = input.unsqueeze(0), target.unsqueeze(0)
    n = input.shape[0]
    size = _chunk_size(options, n, input.shape[-1], linear_weight.shape[0])
    parts = [cross_entropy(linear(input[s:s + size], linear_weight, linear_bias),
                           target[s:s + size], weight=weight, reduction="none",
                           ignore_index=ignore_index) for s in range(0, n, size)]
    if reduction == "none":
        loss = cat(parts) if len(parts) > 1 else parts[0]
        return loss.squeeze(0) if unbatched else loss
    total = parts[0].sum()
    for p in parts[1:]:
        total = total + p.sum()
    if reduction == "sum":
        return total
    # NOTE: 'mean' divides by the total weight of the non-ignored targets, as cross_entropy.
    keep = target != ignore_index
    if weight is None:
        return total / keep.sum()
    return total / (weight[target.clamp(0, weight.shape[0] - 1)] * keep).sum()


def linear_cross_entropy(input, linear_weight, target, *, linear_bias=None, weight=None,
                         reduction="mean", ignore_index=None, label_smoothing=0.0,
                         options=None):
    """cross_entropy(linear(input, linear_weight, linear_bias), target, ...); with `options`
    the batch is processed in chunks (same result, less memory)."""
    from ._loss import cross_entropy
    from ..modules._linear_ops import linear
    if input.dim() < 1 or input.dim() > 2:
        raise RuntimeError(f"expected input with dimensionality 1 or 2, got {input.dim()}")
    if linear_weight.dim() < 2:
        raise RuntimeError(f"expected linear_weight with dimensionality at least 2, got "
                           f"{linear_weight.dim()}")
    num_batches = tuple(input.shape[:-1])
    in_features = input.shape[-1]
    if in_features != linear_weight.shape[-1]:
        raise RuntimeError(f"expected equal input and linear_weight last dimensions "
                           f"(in_features), got {input.shape[-1]} and "
                           f"{linear_weight.shape[-1]}, respectively")
    num_classes = linear_weight.shape[0]
    out_features = tuple(linear_weight.shape[1:-1])
    if linear_bias is not None and tuple(linear_bias.shape) != (num_classes, *out_features):
        raise RuntimeError(f"expected linear_bias shape {(num_classes, *out_features)}, got "
                           f"{tuple(linear_bias.shape)}")
    if out_features and not num_batches:
        raise RuntimeError(f"K-dimensional loss defined by linear_weight shape "
                           f"{tuple(linear_weight.shape)} requires batched input, (N, "
                           f"{in_features}), got unbatched input with shape "
                           f"{tuple(input.shape)}")
    logits_shape = (*num_batches, num_classes, *out_features)
    if tuple(target.shape) == logits_shape and ignore_index is not None:
        raise RuntimeError("ignore_index cannot be specified when target contains "
                           "probabilities")
    ignore_index = ignore_index if ignore_index is not None else -100
    is_long = str(target.dtype) == "torch.int64"
    chunkable = (not out_features and reduction in ("mean", "sum", "none")
                 and label_smoothing == 0.0 and is_long)
    if options is not None and not chunkable:
        warnings.warn(f"linear_cross_entropy: ``options`` ignored; chunked path needs "
                      f"reduction in {{'mean','sum','none'}}, label_smoothing == 0, "
                      f"target.dtype == int64, out_features == (). Got "
                      f"reduction={reduction!r}, label_smoothing={label_smoothing}, "
                      f"target.dtype={target.dtype}, out_features={out_features}, "
                      f"tracing=False, linear_bias.shape="
                      f"{tuple(linear_bias.shape) if linear_bias is not None else None}.",
                      stacklevel=2)
    if options is not None and chunkable:
        return _chunked(input, linear_weight, target, linear_bias, weight, reduction,
                        ignore_index, options)
    if out_features:
        rows = math.prod(out_features, start=num_classes)
        linear_weight = linear_weight.reshape(rows, in_features)
        if linear_bias is not None:
            linear_bias = linear_bias.reshape(rows)
    logits = linear(input, linear_weight, linear_bias).reshape(logits_shape)
    return cross_entropy(logits, target, weight=weight, reduction=reduction,
                         ignore_index=ignore_index, label_smoothing=label_smoothing)
