"""torch.torch_version: TorchVersion, the str that torch.__version__ is.

NOTE: jtorch.__version__ is the version of the PyTorch API jtorch reproduces (torch.version),
not the jtorch-jax package's own version (importlib.metadata / `jtorch --version`): scripts and
libraries gate code paths on `torch.__version__`, and jtorch behaves like that torch release.
"""
from collections.abc import Iterable

from packaging.version import InvalidVersion, Version

from .version import __version__ as internal_version

__all__ = ["TorchVersion"]


class TorchVersion(str):
    """A str that compares as a version against strs, packaging Versions and tuples."""

    __slots__ = ()

    def _convert_to_version(self, inp):
        if isinstance(inp, Version):
            return inp
        if isinstance(inp, str):
            return Version(inp)
        if isinstance(inp, Iterable):
            return Version(".".join(str(item) for item in inp))
        raise InvalidVersion(inp)

    def _cmp_wrapper(self, cmp, method):
        try:
            return getattr(Version(self), method)(self._convert_to_version(cmp))
        except InvalidVersion:
            # NOTE: torch falls back to plain string comparison for a non-version ('parrot').
            return getattr(super(), method)(cmp)


# NOTE: set after the class exists (as torch does) so str's __hash__ stays.
for _m in ("__gt__", "__lt__", "__eq__", "__ge__", "__le__"):
    setattr(TorchVersion, _m, lambda x, y, method=_m: x._cmp_wrapper(y, method))

__version__ = TorchVersion(internal_version)
