"""Summary protocol buffers for TensorBoard (torch.utils.tensorboard.summary on jtorch Tensors).

Scalars, tensors and histograms live here; images/video, hparams and the plugin summaries live
in private modules and are re-exported so every name of torch's module is importable from here.
"""
import struct
from typing import Any

import numpy as np
from tensorboard.compat.proto.summary_pb2 import (
    HistogramProto,
    Summary,
    SummaryMetadata,
)
from tensorboard.compat.proto.tensor_pb2 import TensorProto
from tensorboard.compat.proto.tensor_shape_pb2 import TensorShapeProto

import jtorch

from ._convert_np import make_np
from ._hparams import hparams
from ._image import draw_boxes, image, image_boxes, make_image, make_video, video
from ._plugins import audio, compute_curve, custom_scalars, mesh, pr_curve, pr_curve_raw, text

__all__ = [
    "half_to_int",
    "int_to_half",
    "hparams",
    "scalar",
    "histogram_raw",
    "histogram",
    "make_histogram",
    "image",
    "image_boxes",
    "draw_boxes",
    "make_image",
    "video",
    "make_video",
    "audio",
    "custom_scalars",
    "text",
    "tensor_proto",
    "pr_curve_raw",
    "pr_curve",
    "compute_curve",
    "mesh",
]


def half_to_int(f: float) -> int:
    """Casts a half-precision float value into an integer."""
    buf = struct.pack("f", f)
    return struct.unpack("i", buf)[0]


def int_to_half(i: int) -> float:
    """Casts an integer value to a half-precision float."""
    buf = struct.pack("i", i)
    return struct.unpack("f", buf)[0]


def _tensor_to_half_val(t) -> list[int]:
    return [half_to_int(x) for x in t.flatten().tolist()]


def _tensor_to_complex_val(t) -> list[float]:
    return jtorch.view_as_real(t).flatten().tolist()


def _tensor_to_list(t) -> list[Any]:
    return t.flatten().tolist()


def _dtype_entries():
    # NOTE: torch's table (torch.utils.tensorboard.summary._TENSOR_TYPE_MAP), in torch's order, so
    # the later uint8 entry wins as in torch. jtorch has no quantized or complex32 dtypes; their
    # rows are skipped (no tensor can carry them).
    rows = [
        ("half", "DT_HALF", "half_val", _tensor_to_half_val),
        ("float16", "DT_HALF", "half_val", _tensor_to_half_val),
        ("bfloat16", "DT_BFLOAT16", "half_val", _tensor_to_half_val),
        ("float32", "DT_FLOAT", "float_val", _tensor_to_list),
        ("float", "DT_FLOAT", "float_val", _tensor_to_list),
        ("float64", "DT_DOUBLE", "double_val", _tensor_to_list),
        ("double", "DT_DOUBLE", "double_val", _tensor_to_list),
        ("int8", "DT_INT8", "int_val", _tensor_to_list),
        ("uint8", "DT_UINT8", "int_val", _tensor_to_list),
        ("qint8", "DT_UINT8", "int_val", _tensor_to_list),
        ("int16", "DT_INT16", "int_val", _tensor_to_list),
        ("short", "DT_INT16", "int_val", _tensor_to_list),
        ("int", "DT_INT32", "int_val", _tensor_to_list),
        ("int32", "DT_INT32", "int_val", _tensor_to_list),
        ("qint32", "DT_INT32", "int_val", _tensor_to_list),
        ("int64", "DT_INT64", "int64_val", _tensor_to_list),
        ("complex32", "DT_COMPLEX32", "scomplex_val", _tensor_to_complex_val),
        ("chalf", "DT_COMPLEX32", "scomplex_val", _tensor_to_complex_val),
        ("complex64", "DT_COMPLEX64", "scomplex_val", _tensor_to_complex_val),
        ("cfloat", "DT_COMPLEX64", "scomplex_val", _tensor_to_complex_val),
        ("bool", "DT_BOOL", "bool_val", _tensor_to_list),
        ("complex128", "DT_COMPLEX128", "dcomplex_val", _tensor_to_complex_val),
        ("cdouble", "DT_COMPLEX128", "dcomplex_val", _tensor_to_complex_val),
        ("uint8", "DT_UINT8", "uint32_val", _tensor_to_list),
        ("quint8", "DT_UINT8", "uint32_val", _tensor_to_list),
        ("quint4x2", "DT_UINT8", "uint32_val", _tensor_to_list),
    ]
    return {getattr(jtorch, name): entry for name, *entry in rows if hasattr(jtorch, name)}


# type maps: torch.Tensor type -> (protobuf type, protobuf val field)
_TENSOR_TYPE_MAP = _dtype_entries()


def scalar(name, tensor, collections=None, new_style=False, double_precision=False):
    """Output a `Summary` protocol buffer containing a single scalar value."""
    tensor = make_np(tensor).squeeze()
    if tensor.ndim != 0:
        raise AssertionError(f"Tensor should contain one element (0 dimensions). \
            Was given size: {tensor.size} and {tensor.ndim} dimensions.")
    # python float is double precision in numpy
    scalar = float(tensor)
    if new_style:
        tensor_proto = TensorProto(float_val=[scalar], dtype="DT_FLOAT")
        if double_precision:
            tensor_proto = TensorProto(double_val=[scalar], dtype="DT_DOUBLE")

        plugin_data = SummaryMetadata.PluginData(plugin_name="scalars")
        smd = SummaryMetadata(plugin_data=plugin_data)
        return Summary(
            value=[
                Summary.Value(
                    tag=name,
                    tensor=tensor_proto,
                    metadata=smd,
                )
            ]
        )
    else:
        return Summary(value=[Summary.Value(tag=name, simple_value=scalar)])


def tensor_proto(tag, tensor):
    """Outputs a `Summary` protocol buffer containing the full tensor."""
    if tensor.numel() * tensor.itemsize >= (1 << 31):
        raise ValueError(
            "tensor is bigger than protocol buffer's hard limit of 2GB in size"
        )

    if tensor.dtype in _TENSOR_TYPE_MAP:
        dtype, field_name, conversion_fn = _TENSOR_TYPE_MAP[tensor.dtype]
        tensor_proto = TensorProto(
            **{
                "dtype": dtype,
                "tensor_shape": TensorShapeProto(
                    dim=[TensorShapeProto.Dim(size=x) for x in tensor.shape]
                ),
                field_name: conversion_fn(tensor),
            },
        )
    else:
        raise ValueError(f"{tag} has unsupported tensor dtype {tensor.dtype}")

    plugin_data = SummaryMetadata.PluginData(plugin_name="tensor")
    smd = SummaryMetadata(plugin_data=plugin_data)
    return Summary(value=[Summary.Value(tag=tag, metadata=smd, tensor=tensor_proto)])


def histogram_raw(name, min, max, num, sum, sum_squares, bucket_limits, bucket_counts):
    """Output a `Summary` protocol buffer with a histogram."""
    hist = HistogramProto(
        min=min,
        max=max,
        num=num,
        sum=sum,
        sum_squares=sum_squares,
        bucket_limit=bucket_limits,
        bucket=bucket_counts,
    )
    return Summary(value=[Summary.Value(tag=name, histo=hist)])


def histogram(name, values, bins, max_bins=None):
    """Output a `Summary` protocol buffer with a histogram."""
    values = make_np(values)
    hist = make_histogram(values.astype(float), bins, max_bins)
    return Summary(value=[Summary.Value(tag=name, histo=hist)])


def make_histogram(values, bins, max_bins=None):
    """Convert values into a histogram proto using logic from histogram.cc."""
    if values.size == 0:
        raise ValueError("The input has no element.")
    values = values.reshape(-1)
    counts, limits = np.histogram(values, bins=bins)
    num_bins = len(counts)
    if max_bins is not None and num_bins > max_bins:
        subsampling = num_bins // max_bins
        subsampling_remainder = num_bins % subsampling
        if subsampling_remainder != 0:
            counts = np.pad(
                counts,
                pad_width=[[0, subsampling - subsampling_remainder]],
                mode="constant",
                constant_values=0,
            )
        counts = counts.reshape(-1, subsampling).sum(axis=-1)
        new_limits = np.empty((counts.size + 1,), limits.dtype)
        new_limits[:-1] = limits[:-1:subsampling]
        new_limits[-1] = limits[-1]
        limits = new_limits

    # Find the first and the last bin defining the support of the histogram:

    cum_counts = np.cumsum(np.greater(counts, 0))
    start, end = np.searchsorted(cum_counts, [0, cum_counts[-1] - 1], side="right")
    start = int(start)
    end = int(end) + 1
    del cum_counts

    # TensorBoard only includes the right bin limits. To still have the leftmost limit
    # included, we include an empty bin left.
    # If start == 0, we need to add an empty one left, otherwise we can just include the bin left to the
    # first nonzero-count bin:
    counts = (
        counts[start - 1 : end] if start > 0 else np.concatenate([[0], counts[:end]])
    )
    limits = limits[start : end + 1]

    if counts.size == 0 or limits.size == 0:
        raise ValueError("The histogram is empty, please file a bug report.")

    sum_sq = values.dot(values)
    return HistogramProto(
        min=values.min(),
        max=values.max(),
        num=len(values),
        sum=values.sum(),
        sum_squares=sum_sq,
        bucket_limit=limits.tolist(),
        bucket=counts.tolist(),
    )
