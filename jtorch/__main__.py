"""`python -m jtorch script.py [args]`: same as `jtorch run script.py [args]`."""

import sys


def _main() -> int:
    """Dispatch to jtorch._cli.main (imported lazily)."""
    from jtorch._cli import main

    return main(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(_main())
