"""Private pieces of jtorch.serialization: zip container, pickler, restricted unpickler.

Only the user allow-list lives here; the heavier modules are imported on first save/load.
"""
__all__ = ["safe_globals_state"]

safe_globals_state = set()  # callables or (callable, "module.name") pairs (add_safe_globals)
