"""jtorch: PyTorch's public API on JAX. `import jtorch as torch`."""
import os as _os

import jax as _jax

# NOTE: torch's int64/float64 need JAX's x64 mode; every creation path passes explicit dtypes
# so nothing silently becomes 64-bit.
_jax.config.update("jax_enable_x64", True)
# NOTE: torch runs CPU ops synchronously; JAX's CPU async dispatch hands every small op to a
# worker thread and back (measured: 20-30 us per blocked 64x64 op vs 8 us synchronous).
# JTORCH_ASYNC_DISPATCH=1 keeps JAX's default. Must be set before the backend starts.
if _os.environ.get("JTORCH_ASYNC_DISPATCH", "0") != "1":
    try:
        _jax.config.update("jax_cpu_enable_async_dispatch", False)
    except Exception:  # NOTE: option absent in some JAX versions; behaviour stays correct
        pass

from . import _dtype
from ._dtype import (  # noqa: E402
    dtype, bool, uint8, int8, int16, int32, int64, uint16, uint32, uint64, float16, bfloat16,
    float32, float64, complex64, complex128, half, float, double, short, int, long, cfloat,
    cdouble, get_default_dtype, set_default_dtype, promote_types, result_type, can_cast, finfo,
    iinfo, float8_e4m3fn, float8_e5m2, float8_e4m3fnuz, float8_e5m2fnuz, float8_e8m0fnu,
)
from ._device import device, set_default_device, get_default_device  # noqa: E402
from ._size import Size  # noqa: E402
from ._printing import set_printoptions, get_printoptions  # noqa: E402
from ._tensor import Tensor  # noqa: E402
from ._ops.creation import *  # noqa: E402,F401,F403
from ._ops.pointwise import *  # noqa: E402,F401,F403
from ._ops.random import *  # noqa: E402,F401,F403
from ._ops.convert import *  # noqa: E402,F401,F403
from ._random import (  # noqa: E402
    Generator, manual_seed, seed, initial_seed, default_generator, get_rng_state, set_rng_state,
)
from . import _tensor_methods  # noqa: E402,F401
from . import autograd  # noqa: E402
from . import func  # noqa: E402,F401
from . import cuda  # noqa: E402,F401
from .autograd import (  # noqa: E402
    no_grad, enable_grad, set_grad_enabled, inference_mode, is_grad_enabled,
    is_inference_mode_enabled,
)
from .autograd.anomaly_mode import (  # noqa: E402,F401
    is_anomaly_enabled, is_anomaly_check_nan_enabled, set_anomaly_enabled,
)



def is_tensor(obj):
    """True if obj is a jtorch Tensor."""
    return isinstance(obj, Tensor)


def numel(input):
    """Number of elements of input."""
    return input.numel()


def is_floating_point(input):
    """True if input has a floating point dtype."""
    return input.dtype.is_floating_point


def is_complex(input):
    """True if input has a complex dtype."""
    return input.dtype.is_complex

from ._ops.reduction import *  # noqa: E402,F401,F403
from ._ops.sort import *  # noqa: E402,F401,F403
from ._ops.linalg import *  # noqa: E402,F401,F403
from . import return_types  # noqa: E402,F401
from ._ops.shape import *  # noqa: E402,F401,F403
from ._ops.indexing import *  # noqa: E402,F401,F403
# NOTE: the subsystems on top of the tensor core; each package owns its own re-exports.
from . import nn, optim, utils, serialization  # noqa: E402,F401
from . import amp, cpu  # noqa: E402,F401
from .amp import autocast  # noqa: E402,F401
from .amp._state import *  # noqa: E402,F401,F403  (is_autocast_enabled, get_autocast_dtype, ...)
from .serialization import *  # noqa: E402,F401,F403
from ._compile import compile, cond, while_loop  # noqa: E402,F401
from . import compiler, _dynamo  # noqa: E402,F401
from ._ops.breadth import *  # noqa: E402,F401,F403  (torch.special/fft/linalg + aliases)
from . import jit, export  # noqa: E402,F401
from . import masked  # noqa: E402,F401
from . import onnx  # noqa: E402,F401
from . import signal; from ._ops.windows import *  # noqa: E402,E702,F401,F403  (torch.signal + *_window)
from ._nn_toplevel import *  # noqa: E402,F401,F403
from ._settings import *  # noqa: E402,F401,F403  (set_num_threads, set_float32_matmul_precision, determinism, ...)
from . import backends, random, testing  # noqa: E402,F401
from . import distributions  # noqa: E402,F401
from . import profiler  # noqa: E402,F401
from . import distributed, hub, multiprocessing, overrides, types  # noqa: E402,F401
from ._toplevel_extra import *  # noqa: E402,F401,F403  (layouts/memory formats, constants, legacy tensor types, aten aliases, torch.<op>_ in-place fns)
from . import _tensor_methods_extra  # noqa: E402,F401  (Tensor.new, t_, fill_diagonal_, apply_, memory_format= on contiguous/to/clone, ...)
from ._storage import *  # noqa: E402,F401,F403  (UntypedStorage, TypedStorage, FloatStorage..., is_storage; Tensor.storage/set_)
from .utils.dlpack import from_dlpack  # noqa: E402,F401  (also Tensor.__dlpack__ and torch.utils.dlpack)
from . import storage  # noqa: E402,F401
from . import torch_version  # noqa: E402,F401
from .torch_version import __version__  # noqa: E402,F401  (the torch API version: torch.version)
from . import accelerator, mps, xpu, mtia  # noqa: E402,F401
from ._device_modules import get_device_module  # noqa: E402,F401
from ._symbolic import *  # noqa: E402,F401,F403  (sym_int, sym_max, ..., SymInt/SymFloat/SymBool)
from ._lowrank import svd_lowrank, pca_lowrank  # noqa: E402,F401
from ._lobpcg import lobpcg  # noqa: E402,F401
from . import library  # noqa: E402,F401
from ._ops_namespace import ops  # noqa: E402,F401
