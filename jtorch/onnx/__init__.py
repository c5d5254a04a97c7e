"""torch.onnx.export through the jax2onnx package (the optional `onnx` extra)."""
from ._export import export, is_in_onnx_export  # noqa: F401

__all__ = ["export", "is_in_onnx_export"]
