"""torch._dynamo.config: jtorch.compile reads `recompile_limit` (torch's name; `cache_size_limit`
is its older alias: setting either sets both). Other settings scripts assign are accepted and
have no effect."""
import sys
import types

# NOTE: how many programs one compiled function traces for the same argument shapes while only
# Python values it bakes in change (module attributes, training flags, hooks); past it the
# function runs eagerly for new values, with a warning (torch's default and behaviour).
recompile_limit = 8
cache_size_limit = 8
accumulated_recompile_limit = 256
suppress_errors = False
verbose = False

_ALIASED = ("recompile_limit", "cache_size_limit")


class _Config(types.ModuleType):
    def __setattr__(self, name, value):
        for k in (_ALIASED if name in _ALIASED else (name,)):
            super().__setattr__(k, value)


sys.modules[__name__].__class__ = _Config
