"""torch._dynamo: the settings, markers and decorators scripts reach for (jtorch.compile traces
with JAX, not Dynamo: see jtorch/_compile/_compiler_api.py for what each one does here)."""
from .._compile.compiled import reset
from .._compile._compiler_api import (allow_in_graph, assume_constant_result, is_compiling,
                                      list_backends, substitute_in_graph)
from .._compile._dynamo_api import (disable, graph_break, mark_dynamic, mark_static,
                                    mark_static_address, maybe_mark_dynamic)
from .._compile._stance import set_stance
from . import config, exc

__all__ = ["config", "exc", "reset", "allow_in_graph", "assume_constant_result", "disable",
           "is_compiling", "list_backends", "substitute_in_graph", "graph_break",
           "mark_dynamic", "mark_static", "mark_static_address", "maybe_mark_dynamic",
           "set_stance"]
