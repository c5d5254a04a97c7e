"""The `jtorch` command: run unmodified PyTorch scripts on jtorch (`jtorch run script.py [args]`)."""

from __future__ import annotations

import os
import sys

USAGE = """\
usage: jtorch run SCRIPT.py [ARGS ...]    run a PyTorch script on jtorch (`import torch` -> jtorch)
       jtorch run -m MODULE [ARGS ...]    same, for a module (like `python -m MODULE`)
       jtorch SCRIPT.py [ARGS ...]        shorthand for `jtorch run` (also: python -m jtorch ...)
       jtorch --version                   print the jtorch version
       jtorch -h | --help                 show this help
"""


def version() -> str:
    """The installed jtorch-jax package version (distribution metadata, else 'unknown').

    NOTE: not jtorch.__version__, which is the torch API version jtorch reproduces."""
    try:
        from importlib.metadata import PackageNotFoundError, version as _dist_version

        try:
            return _dist_version("jtorch-jax")
        except PackageNotFoundError:
            pass
    except ImportError:  # pragma: no cover
        pass
    return "unknown"


def run_script(path: str, args: list[str]) -> None:
    """Run `path` as ``__main__`` under the shim, with ``sys.argv = [path, *args]``."""
    import runpy

    from jtorch import _shim

    _shim.install()
    sys.argv = [path, *args]
    script_dir = os.path.dirname(os.path.abspath(path))
    if sys.path:
        sys.path[0] = script_dir
    else:
        sys.path.insert(0, script_dir)
    runpy.run_path(path, run_name="__main__")


def run_module(name: str, args: list[str]) -> None:
    """Run module `name` as ``__main__`` under the shim, like ``python -m name args``."""
    import runpy

    from jtorch import _shim

    _shim.install()
    sys.argv = [name, *args]
    if sys.path:
        sys.path[0] = os.getcwd()
    else:
        sys.path.insert(0, os.getcwd())
    runpy.run_module(name, run_name="__main__", alter_sys=True)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `jtorch` console script; returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv:
        sys.stderr.write(USAGE)
        return 2
    cmd = argv[0]
    if cmd in ("-h", "--help", "help"):
        sys.stdout.write(USAGE)
        return 0
    if cmd in ("-V", "--version"):
        print(f"jtorch {version()}")
        return 0
    if cmd == "run":
        argv = argv[1:]
        if not argv or argv[0] in ("-h", "--help"):
            (sys.stdout if argv else sys.stderr).write(USAGE)
            return 0 if argv else 2
    elif cmd.startswith("-") and cmd != "-m":
        sys.stderr.write(f"jtorch: unknown option {cmd!r}\n{USAGE}")
        return 2
    if argv[0] == "-m":
        if len(argv) < 2:
            sys.stderr.write("jtorch: -m needs a module name\n")
            return 2
        run_module(argv[1], argv[2:])
        return 0
    if not os.path.isfile(argv[0]):
        sys.stderr.write(f"jtorch: can't open file {argv[0]!r}: no such file\n")
        return 2
    run_script(argv[0], argv[1:])
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
