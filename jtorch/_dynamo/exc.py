"""torch._dynamo.exc: the errors jtorch's higher-order ops (cond, while_loop) raise."""
from .._compile.control import (TorchDynamoException, TorchRuntimeError,  # noqa: F401
                                UncapturedHigherOrderOpError)

__all__ = ["TorchDynamoException", "TorchRuntimeError", "UncapturedHigherOrderOpError"]
