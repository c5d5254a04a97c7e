"""Module-level settings that are assignable like torch's (`torch.backends.cudnn.benchmark = True`)."""
import sys
import types

__all__ = ["install_flags", "check_bool"]


def check_bool(value, setter_name):
    """torch's RuntimeError for a non-bool flag value (torch's C setters accept only bool)."""
    if not isinstance(value, bool):
        raise RuntimeError(f"{setter_name} expects a bool, but got {type(value).__name__}")
    return value


def _flag(name, setter_name, state):
    def get(self):
        return state[name]

    def set(self, value):
        state[name] = check_bool(value, setter_name) if setter_name else value
    return property(get, set)


def install_flags(module_name, state, setters):
    """Turn module `module_name` into one whose attributes in `state` are validated properties.

    `setters` maps a flag name to the torch setter name quoted in its error (None: any value).
    """
    # NOTE: torch swaps the module object for a PropModule; reassigning __class__ keeps the same
    # module object (so `from jtorch.backends import cudnn` and sys.modules agree).
    module = sys.modules[module_name]
    attrs = {name: _flag(name, setters.get(name), state) for name in state}
    module.__class__ = type(f"{module_name.rsplit('.', 1)[-1]}_module", (types.ModuleType,), attrs)
    return module
