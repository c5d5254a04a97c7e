"""torch.compiler.config: the compiler's top-level settings, with torch's defaults.

NOTE: as in torch, recompile_limit, accumulated_recompile_limit and verbose are the same
settings as torch._dynamo.config's (jtorch.compile reads recompile_limit); the others are
accepted and have no effect.
"""
import sys
import types

__all__ = []

_SHARED = ("recompile_limit", "accumulated_recompile_limit", "verbose")

job_id = None
pgo_extra_read_key = None
pgo_extra_write_key = None
cache_key_tag = ""
force_disable_caches = False
dynamic_sources = ""
dynamic_values = ""
unbacked_sources = ""
force_cudagraph_gc = False
dynamic_shapes = True
assume_static_by_default = True
automatic_dynamic_shapes = True
capture_scalar_outputs = False
capture_dynamic_output_shape_ops = False
log_file_name = None
fail_on_recompile_limit_hit = False
allow_unspec_int_on_nn_module = False
skip_tensor_guards_with_matching_dict_tags = True
enable_cpp_symbolic_shape_guards = False
wrap_top_frame = False
reorderable_logging_functions = set()


class _Config(types.ModuleType):
    def __getattr__(self, name):
        if name in _SHARED:
            from .._dynamo import config
            return getattr(config, name)
        raise AttributeError(f"module 'torch.compiler.config' has no attribute '{name}'")

    def __setattr__(self, name, value):
        if name in _SHARED:
            from .._dynamo import config
            setattr(config, name, value)
        else:
            super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Config
