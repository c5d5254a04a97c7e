"""torch.jit: script/trace lowered to XLA; save/load as portable StableHLO programs."""
from ._script import (  # noqa: F401
    ScriptModule, ScriptFunction, RecursiveScriptModule, script, trace, save, load, ignore,
    unused, export, is_scripting, is_tracing, annotate, Final,
)

__all__ = ["ScriptModule", "ScriptFunction", "RecursiveScriptModule", "script", "trace", "save",
           "load", "ignore", "unused", "export", "is_scripting", "is_tracing", "annotate",
           "Final"]
