"""`import torch` -> jtorch: put compat/ on PYTHONPATH and unmodified PyTorch scripts run on jtorch."""

import importlib.util
import os
import sys

if importlib.util.find_spec("jtorch") is None:  # running from a clone without `pip install -e .`
    sys.path.append(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

from jtorch._shim import alias_self  # noqa: E402

# Replaces this module in sys.modules; the import system then hands out jtorch itself.
alias_self(__name__)
