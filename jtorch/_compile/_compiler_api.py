"""torch.compiler's decorators, flags, backends and cache functions for jtorch.compile.

jtorch.compile traces the whole function with JAX (DESIGN.md point 9): it has no Dynamo
bytecode tracer, no graph breaks and no guards of its own, so the decorators that steer Dynamo
return the function (marked as torch marks it) and the guard filters only compute their
answer.
"""
import functools
import inspect
import types

from . import compiled as C

__all__ = ["disable", "allow_in_graph", "substitute_in_graph", "assume_constant_result",
           "list_backends", "get_default_backend", "set_default_backend",
           "cudagraph_mark_step_begin", "wrap_numpy", "nested_compile_region",
           "save_cache_artifacts", "load_cache_artifacts", "load_compiled_function",
           "set_enable_guard_collectives", "is_compiling", "is_dynamo_compiling",
           "is_exporting", "keep_portable_guards_unsafe",
           "skip_guard_on_inbuilt_nn_modules_unsafe", "skip_guard_on_all_nn_modules_unsafe",
           "keep_tensor_guards_unsafe", "skip_guard_on_globals_unsafe",
           "skip_all_guards_unsafe"]


def is_exporting():
    """True while an export traces a model (torch.export.export, torch.onnx.export)."""
    from ..onnx._export import is_in_onnx_export
    from .export import EXPORTING
    return EXPORTING[0] > 0 or is_in_onnx_export()


def is_compiling():
    """True while jtorch.compile, torch.export or jit tracing traces a function."""
    return C.is_compiling()


def is_dynamo_compiling():
    """True while jtorch.compile traces a function (jtorch's stand-in for Dynamo)."""
    return C.is_compiling() and not is_exporting()


class _DisableContext:
    """What disable() returns without a function: a decorator (not a context manager)."""

    def __init__(self, recursive, reason):
        self.recursive, self.reason = recursive, reason

    def __call__(self, fn):
        return disable(fn, self.recursive, reason=self.reason)

    def __enter__(self):
        raise RuntimeError(
            "torch._dynamo.optimize(...) is used with a context manager. Please refer to "
            "https://pytorch.org/tutorials/intermediate/torch_compile_tutorial.html to use "
            "torch._dynamo.optimize(...) as an annotation/decorator. ")

    def __exit__(self, *exc):
        return False


def disable(fn=None, recursive=True, *, reason=None):
    """Mark `fn` to run outside compilation; jtorch cannot graph-break, so inside a compiled
    function it is traced with the rest (same values), and outside it simply runs."""
    if fn is None:
        if not recursive:
            return lambda f: disable(f, False, reason=reason)
        return _DisableContext(recursive, reason)
    from ..nn.modules.module import Module
    if isinstance(fn, Module):
        from . import compile as _compile
        return _compile(fn, disable=True)  # NOTE: torch wraps the module the same way
    inner = fn.fn if isinstance(fn, C.CompiledFunction) else fn

    @functools.wraps(inner)
    def _disabled(*args, **kwargs):
        try:
            return inner(*args, **kwargs)
        except C._CONCRETE_ERRORS as e:
            if not C.is_compiling():
                raise
            err = C._control_flow_error(e)
        name = getattr(inner, "__qualname__", repr(inner))
        raise C.DataDependentControlFlowError(
            f"{err} The function {name} is marked torch.compiler.disable: under torch it "
            f"would run eagerly after a graph break, but jtorch.compile cannot graph-break "
            f"and traces it with the rest of the compiled function.") from None

    _disabled._torchdynamo_disable = True
    _disabled._torchdynamo_disable_recursive = recursive
    _disabled._torchdynamo_disable_msg = reason
    _disabled._torchdynamo_orig_callable = inner
    return _disabled


def allow_in_graph(fn):
    """Let Dynamo put `fn` in the graph as one call; jtorch traces every function, so this
    marks and returns `fn`."""
    if isinstance(fn, (list, tuple)):
        return [allow_in_graph(x) for x in fn]
    if not callable(fn):
        raise TypeError(f"allow_in_graph expects a callable, but got {type(fn)}")
    return fn


def assume_constant_result(fn):
    """Mark `fn`'s result as constant under compilation; jtorch traces it (same values)."""
    fn._dynamo_marked_constant = True
    return fn


_FUNC_TYPES = (types.FunctionType, types.BuiltinFunctionType, types.MethodDescriptorType,
               types.WrapperDescriptorType)


def _sig_ident(sig):
    ps = sig.parameters.values()
    var = (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
    kwo = inspect.Parameter.KEYWORD_ONLY
    return (tuple(p.name for p in ps if p.kind not in var + (kwo,)),
            {p.name for p in ps if p.kind == kwo},
            {p.name: p.default for p in ps if p.kind not in var})


def substitute_in_graph(original_fn, *, can_constant_fold_through=False,
                        skip_signature_check=False):
    """Register a traceable polyfill for `original_fn`; the returned function calls
    `original_fn` (jtorch's tracer runs the original: the polyfill is kept, unused)."""
    if not isinstance(original_fn, _FUNC_TYPES):
        raise TypeError(f"substitute_in_graph expects a function but got {type(original_fn)!r}")

    def wrapper(traceable_fn):
        if not isinstance(traceable_fn, _FUNC_TYPES):
            raise TypeError(
                f"@substitute_in_graph(...) expects a function but got {type(traceable_fn)!r}")
        if not skip_signature_check:
            try:
                orig = inspect.signature(original_fn)
            except ValueError:
                orig = None
            if orig is not None:
                new = inspect.signature(traceable_fn)
                wild = _sig_ident(inspect.signature(lambda *args, **kwargs: None))
                if wild != _sig_ident(orig) != _sig_ident(new) != wild:
                    raise TypeError(f"Signature mismatch between {original_fn} and "
                                    f"{traceable_fn}: {orig} != {new}")

        @functools.wraps(traceable_fn)
        def wrapped(*args, **kwargs):
            return original_fn(*args, **kwargs)

        wrapped.__torch_dynamo_original__ = original_fn
        wrapped.__torch_dynamo_polyfill__ = traceable_fn
        wrapped.__torch_dynamo_can_constant_fold_through__ = can_constant_fold_through
        return wrapped
    return wrapper


def list_backends(exclude_tags=("debug", "experimental")):
    """The backend names for torch.compile: jtorch has one backend (XLA via jax.jit), listed
    under torch's default name; jtorch.compile accepts every torch backend name and ignores it."""
    return ["inductor"]


_DEFAULT_BACKEND = ["inductor"]


def set_default_backend(backend):
    """Set torch.compile's default backend name (None: "inductor"); jtorch compiles every
    backend with XLA."""
    if backend is None:
        _DEFAULT_BACKEND[0] = "inductor"
        return
    if not isinstance(backend, str) and not callable(backend):
        raise TypeError(f"backend must be a string or callable, got {type(backend)}")
    _DEFAULT_BACKEND[0] = backend


def get_default_backend():
    """torch.compile's default backend name."""
    return _DEFAULT_BACKEND[0]


def cudagraph_mark_step_begin():
    """Mark a new training/inference iteration for CUDA graphs: a no-op (XLA programs own their
    buffers; there are no CUDA graph trees to advance)."""
    return None


def wrap_numpy(fn):
    """Turn a NumPy function into one on Tensors (eagerly: Tensors become ndarrays and
    ndarray outputs become Tensors)."""
    import jax
    import numpy as np
    from .._tensor import Tensor
    from .. import as_tensor

    @functools.wraps(fn)
    def wrap(*args, **kwargs):
        if C.is_compiling():
            # NOTE: Dynamo rewrites NumPy calls into tensor ops; jtorch's trace holds abstract
            # values that NumPy cannot read.
            raise NotImplementedError(
                f"torch.compiler.wrap_numpy: {getattr(fn, '__qualname__', fn)} cannot run "
                f"inside jtorch.compile (NumPy cannot read traced tensors); call it outside "
                f"the compiled function")
        args, kwargs = jax.tree_util.tree_map(
            lambda x: x.numpy() if isinstance(x, Tensor) else x, (args, kwargs),
            is_leaf=lambda x: isinstance(x, Tensor))
        out = fn(*args, **kwargs)
        return jax.tree_util.tree_map(
            lambda x: as_tensor(x) if isinstance(x, np.ndarray) else x, out,
            is_leaf=lambda x: isinstance(x, np.ndarray))
    return wrap


def nested_compile_region(fn=None, *, options=None, max_reuse_entries=8, reuse_hash_fn=None):
    """Mark a region torch compiles once and reuses; jtorch traces it inline (same values)."""
    if options is not None:
        from .._dynamo import config
        if not getattr(config, "enable_invoke_subgraph_regional_compile", False):
            raise RuntimeError(
                "nested_compile_region config is an experimental feature for testing only.")
    if fn is None:
        return functools.partial(nested_compile_region, options=options,
                                 max_reuse_entries=max_reuse_entries,
                                 reuse_hash_fn=reuse_hash_fn)

    @functools.wraps(fn)
    def inner(*args, **kwargs):
        return fn(*args, **kwargs)
    return inner


def save_cache_artifacts():
    """None: jtorch has no portable compile artifacts (JAX's persistent compilation cache,
    jax.config.update("jax_compilation_cache_dir", ...), plays that role)."""
    return None


def load_cache_artifacts(serialized_artifacts):
    """Torch's serialized Inductor/Dynamo artifacts cannot be loaded by jtorch."""
    raise NotImplementedError(
        "torch.compiler.load_cache_artifacts: jtorch cannot load torch.compile cache artifacts "
        "(save_cache_artifacts returns None in jtorch); use JAX's persistent compilation cache "
        "(jax.config.update('jax_compilation_cache_dir', path)) instead")


def load_compiled_function(file, *, f_globals=None, external_data=None):
    """Unsupported: jtorch has no AOT-compiled function format."""
    raise NotImplementedError(
        "torch.compiler.load_compiled_function: jtorch cannot load torch's AOT-compiled "
        "functions; save a model with torch.jit.script/trace (.save) or torch.export instead")


_GUARD_COLLECTIVES = [False]


def set_enable_guard_collectives(enabled):
    """Enable collectives during guard evaluation; returns whether they were enabled (jtorch
    has no guard evaluation across ranks: only the flag is kept)."""
    prev = _GUARD_COLLECTIVES[0]
    _GUARD_COLLECTIVES[0] = bool(enabled)
    return prev


# NOTE: the guard filters below compute torch's answer for Dynamo's guard entries (the
# `guard_filter_fn` option); jtorch.compile keys its cache itself and never calls them.

def keep_portable_guards_unsafe(guard_entries):
    """Keep only guards usable outside Python (global state, shape env, local tensors)."""
    return [g.guard_type in ("GLOBAL_STATE", "SHAPE_ENV")
            or (g.guard_type == "TENSOR_MATCH" and not g.is_global) for g in guard_entries]


def skip_guard_on_inbuilt_nn_modules_unsafe(guard_entries):
    """Skip the guards on torch's built-in nn modules."""
    return [not e.orig_guard.source.is_unspecialized_builtin_nn_module() for e in guard_entries]


def skip_guard_on_all_nn_modules_unsafe(guard_entries):
    """Skip the guards on all nn modules."""
    return [not e.orig_guard.source.is_unspecialized_nn_module() for e in guard_entries]


def keep_tensor_guards_unsafe(guard_entries, keep_parameters=False):
    """Keep only tensor guards (on parameters too with keep_parameters)."""
    from ..nn.parameter import Parameter
    return [e.guard_type == "TENSOR_MATCH"
            and (keep_parameters or not isinstance(e.value, Parameter)) for e in guard_entries]


def skip_guard_on_globals_unsafe(guard_entries):
    """Skip the guards on globals."""
    return [not e.is_global for e in guard_entries]


def skip_all_guards_unsafe(guard_entries):
    """Skip every guard."""
    return [False for _ in guard_entries]
