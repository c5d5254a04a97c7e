"""torch.compiler: controls for jtorch.compile (stances, decorators, backends, caches)."""
import sys

from ._compile import compile as _compile
from ._compile import _compiler_config as config
from ._compile._compiler_api import (  # noqa: F401
    allow_in_graph, assume_constant_result, cudagraph_mark_step_begin, disable,
    get_default_backend, is_compiling, is_dynamo_compiling, is_exporting,
    keep_portable_guards_unsafe, keep_tensor_guards_unsafe, list_backends,
    load_cache_artifacts, load_compiled_function, nested_compile_region, save_cache_artifacts,
    set_default_backend, set_enable_guard_collectives, skip_all_guards_unsafe,
    skip_guard_on_all_nn_modules_unsafe, skip_guard_on_globals_unsafe,
    skip_guard_on_inbuilt_nn_modules_unsafe, substitute_in_graph, wrap_numpy,
)
from ._compile._stance import set_stance  # noqa: F401
from ._compile.compiled import counters, reset  # noqa: F401

# NOTE: `import torch.compiler.config` must work although this is a module, not a package: an
# empty __path__ lets the import system look the submodule up, and sys.modules holds it.
__path__ = []
sys.modules[__name__ + ".config"] = config

__all__ = [
    "compile", "config", "assume_constant_result", "reset", "allow_in_graph",
    "substitute_in_graph", "list_backends", "disable", "set_default_backend",
    "get_default_backend", "set_stance", "set_enable_guard_collectives",
    "cudagraph_mark_step_begin", "load_compiled_function", "wrap_numpy", "is_compiling",
    "is_dynamo_compiling", "is_exporting", "save_cache_artifacts", "load_cache_artifacts",
    "keep_portable_guards_unsafe", "skip_guard_on_inbuilt_nn_modules_unsafe",
    "skip_guard_on_all_nn_modules_unsafe", "keep_tensor_guards_unsafe",
    "skip_guard_on_globals_unsafe", "skip_all_guards_unsafe", "nested_compile_region",
    "counters",
]


def compile(*args, **kwargs):
    """torch.compiler.compile: the same as torch.compile."""
    return _compile(*args, **kwargs)
