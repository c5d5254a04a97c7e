"""A shimmed script (`import torch` -> jtorch) using torch.backends, top-level settings,
torch.testing, torch.random and torch.utils.checkpoint, run in a subprocess."""
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytestmark = pytest.mark.shim

ROOT = Path(__file__).resolve().parents[1]

SCRIPT = textwrap.dedent("""
    import warnings
    import torch  # NOTE: torch.backends/random/testing/utils.checkpoint without own imports
    assert torch.__name__ == "jtorch", torch.__name__

    torch.backends.cudnn.benchmark = True
    assert torch.backends.cudnn.benchmark is True
    torch.backends.cuda.matmul.allow_tf32 = True
    torch.set_float32_matmul_precision("high")
    assert torch.get_float32_matmul_precision() == "high"
    torch.use_deterministic_algorithms(True, warn_only=True)
    assert torch.get_deterministic_debug_mode() == 1

    x = torch.ones(3, requires_grad=True)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        y = torch.utils.checkpoint.checkpoint(torch.sin, x)
    assert "use_reentrant parameter should be passed explicitly" in str(w[0].message)
    y = torch.utils.checkpoint.checkpoint(lambda a: (a * 2).sin(), x, use_reentrant=False)
    y.sum().backward()
    torch.testing.assert_close(x.grad, 2 * torch.cos(torch.full((3,), 2.0)))
    try:
        torch.testing.assert_close(torch.tensor([1.0, 2.0, 3.0]), torch.tensor([1.0, 2.5, 3.0]))
    except AssertionError as e:
        assert "Mismatched elements: 1 / 3 (33.3%)" in str(e)
    else:
        raise SystemExit("assert_close did not raise")
    with torch.random.fork_rng():
        a = torch.rand(2)
    torch.testing.assert_close(torch.rand(2), a)
    print("toplevel apis OK")
""")

def test_toplevel_apis_under_shim():
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "compat"), str(ROOT)])
    proc = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600, stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, f"stdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
    assert proc.stdout.strip().splitlines()[-1] == "toplevel apis OK"
