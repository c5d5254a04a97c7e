"""Spawned children of a process running under the `import torch` -> jtorch shim get the shim too.

NOTE: a 'spawn' child is a fresh interpreter; before it unpickles its target it re-runs the
parent's main script (as `__mp_main__`), whose `import torch` must mean jtorch again. With
PYTHONPATH=compat the child inherits the path and nothing more is needed; under `jtorch run` /
`python -m jtorch` the shim lives only on the parent's sys.meta_path. So, while jtorch's shim is
installed in this process, the child's `-c` program (multiprocessing.spawn.get_command_line)
first loads jtorch/_shim.py by file path (no jax, no jtorch package import, as DataLoader
workers do) and installs its finder. The wrapper is put in place once, when
torch.multiprocessing is imported, and changes nothing while no shim is installed. 'fork'
children inherit the finder; a forkserver started before the shim was installed does not.
"""
import multiprocessing.spawn as _mp_spawn
import sys

__all__ = []

_BOOTSTRAP = (
    "import sys, importlib.util as _u; "
    "_m = sys.modules.get('jtorch._shim'); "
    "_s = None if _m else _u.spec_from_file_location('jtorch._shim', {path!r}); "
    "_m = _m or _u.module_from_spec(_s); "
    "sys.modules.setdefault('jtorch._shim', _m); "
    "_s and _s.loader.exec_module(_m); "
    "_m.install(); del _m, _s, _u; ")


def shim_file():
    """jtorch/_shim.py when this process has the shim finder installed, else None."""
    shim = sys.modules.get("jtorch._shim")
    if shim is not None and shim.is_installed():
        return shim.__file__
    return None


def _with_shim(original):
    def get_command_line(**kwds):
        cmd = original(**kwds)
        path = shim_file()
        if path is not None and "-c" in cmd:
            i = cmd.index("-c") + 1
            cmd = cmd[:i] + [_BOOTSTRAP.format(path=path) + cmd[i]] + cmd[i + 1:]
        return cmd

    get_command_line._jtorch_shim_wrapper = True
    get_command_line.__wrapped__ = original
    return get_command_line


def install():
    """Wrap multiprocessing.spawn.get_command_line once (idempotent)."""
    if not getattr(_mp_spawn.get_command_line, "_jtorch_shim_wrapper", False):
        _mp_spawn.get_command_line = _with_shim(_mp_spawn.get_command_line)
