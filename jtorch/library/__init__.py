"""torch.library: define custom operators in Python and call them through torch.ops."""
from ._custom_op import CustomOpDef, custom_op, get_ctx
from ._library import (Library, define, fallthrough_kernel, get_kernel, impl, impl_abstract,
                       register_autocast, register_autograd, register_fake, register_kernel,
                       register_torch_dispatch, register_vmap)
from ._opcheck import OpCheckError, opcheck
from ._schema import infer_schema

__all__ = ["Library", "impl", "define", "fallthrough_kernel", "impl_abstract", "register_autocast",
           "register_fake", "register_torch_dispatch", "register_vmap", "get_ctx", "get_kernel",
           "custom_op", "infer_schema", "register_autograd", "register_kernel", "opcheck",
           "CustomOpDef", "OpCheckError"]
