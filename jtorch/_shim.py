"""Import shim: make `import torch` (and `torch.X.Y`) resolve to the jtorch modules themselves.

A meta-path finder maps every module name under an aliased top-level name (``torch`` ->
``jtorch``, ``torch.nn.functional`` -> ``jtorch.nn.functional``, ...) to the jtorch module, so both
names refer to the SAME module object and nothing is imported twice. Nothing here imports jtorch's
submodules eagerly: a name is resolved the first time it is imported.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import os
import sys

__all__ = ["ALIASES", "CANDIDATES", "install", "uninstall", "is_installed", "target_of", "alias_self"]

# Foreign top-level name -> jtorch module that stands in for it. An entry is active only when
# its jtorch module exists (checked once, at import of this file); add companions here.
CANDIDATES: dict[str, str] = {
    "torch": "jtorch",
    "torchvision": "jtorch.vision",
    "pytorch_lightning": "jtorch.lightning",
    "lightning": "jtorch.lightning",
}


def _jtorch_has(target: str) -> bool:
    """Whether `target` (``jtorch`` or ``jtorch.<name>``) exists, without importing jtorch."""
    if target == "jtorch":
        return True
    spec = importlib.util.find_spec("jtorch") if "jtorch" not in sys.modules else sys.modules["jtorch"].__spec__
    locations = list(getattr(spec, "submodule_search_locations", None) or [])
    rel = target.split(".")[1:]
    for loc in locations:
        base = os.path.join(loc, *rel)
        if os.path.isfile(base + ".py") or os.path.isfile(os.path.join(base, "__init__.py")):
            return True
    return False


ALIASES: dict[str, str] = {name: tgt for name, tgt in CANDIDATES.items() if _jtorch_has(tgt)}


def target_of(fullname: str) -> str | None:
    """The jtorch module name that `fullname` maps to, or None when it is not aliased."""
    head, dot, rest = fullname.partition(".")
    target = ALIASES.get(head)
    if target is None:
        return None
    return target + dot + rest


class _AliasLoader(importlib.abc.Loader):
    """Loader that hands back the already-importable jtorch module instead of creating one."""

    def __init__(self, target: str):
        self.target = target
        self._real_spec = None

    def create_module(self, spec):
        """Import the jtorch module and return it as the module for the aliased name."""
        module = importlib.import_module(self.target)
        self._real_spec = getattr(module, "__spec__", None)
        return module

    def exec_module(self, module):
        """Nothing to execute; undo importlib's overwrite of ``__spec__`` with the alias spec."""
        if self._real_spec is not None:
            module.__spec__ = self._real_spec


class ShimFinder(importlib.abc.MetaPathFinder):
    """Meta-path finder mapping aliased names (see ALIASES) onto jtorch modules."""

    def find_spec(self, fullname, path=None, target=None):
        """Spec for an aliased name; a clean ModuleNotFoundError when jtorch lacks the module."""
        mapped = target_of(fullname)
        if mapped is None:
            return None
        if mapped not in sys.modules:
            try:
                found = importlib.util.find_spec(mapped)
            except ModuleNotFoundError:
                found = None
            if found is None:
                raise ModuleNotFoundError(
                    f"No module named {fullname!r}: the jtorch shim maps it to {mapped!r}, "
                    f"which jtorch does not provide",
                    name=fullname,
                )
        return importlib.machinery.ModuleSpec(fullname, _AliasLoader(mapped), origin=f"alias of {mapped}")

    def __repr__(self):
        return f"<jtorch ShimFinder {ALIASES}>"


_FINDER = ShimFinder()


def is_installed() -> bool:
    """Whether the shim finder is on ``sys.meta_path``."""
    return any(isinstance(f, ShimFinder) for f in sys.meta_path)


def install() -> None:
    """Put the shim finder first on ``sys.meta_path`` (idempotent)."""
    if not is_installed():
        sys.meta_path.insert(0, _FINDER)


def uninstall() -> None:
    """Remove the shim finder (modules already aliased in ``sys.modules`` stay)."""
    sys.meta_path[:] = [f for f in sys.meta_path if not isinstance(f, ShimFinder)]


def alias_self(name: str):
    """Install the shim and make ``sys.modules[name]`` the jtorch module aliased to `name`."""
    install()
    mapped = target_of(name)
    if mapped is None:
        raise ModuleNotFoundError(f"No module named {name!r}: jtorch has no stand-in for it", name=name)
    module = importlib.import_module(mapped)
    sys.modules[name] = module
    return module
