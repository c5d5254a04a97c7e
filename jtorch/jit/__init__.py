"""torch.jit: script/trace lowered to XLA; save/load as portable StableHLO programs."""
from ._script import (  # noqa: F401
    ScriptModule, ScriptFunction, RecursiveScriptModule, script, trace, save, load, ignore,
    unused, export, is_scripting, is_tracing, annotate, Final,
)

__all__ = ["ScriptModule", "ScriptFunction", "RecursiveScriptModule", "script", "trace", "save",
           "load", "ignore", "unused", "export", "is_scripting", "is_tracing", "annotate",
           "Final"]
from ._extra import (  # noqa: F401,E402
    Future, fork, wait, freeze, optimize_for_inference, trace_module, isinstance, Attribute,
    script_if_tracing, interface, export_opnames, Error, enable_onednn_fusion,
    onednn_fusion_enabled, set_fusion_strategy, strict_fusion,
)
__all__ += ["Future", "fork", "wait", "freeze", "optimize_for_inference", "trace_module",
            "isinstance", "Attribute", "script_if_tracing", "interface", "export_opnames", "Error",
            "enable_onednn_fusion", "onednn_fusion_enabled", "set_fusion_strategy", "strict_fusion"]
