"""A REINFORCE-style script using torch.distributions, run under the compat shim (subprocess)."""
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytestmark = pytest.mark.shim
ROOT = Path(__file__).resolve().parents[2]

SCRIPT = textwrap.dedent("""
    import torch
    from torch import nn
    from torch.distributions import Categorical, Normal, kl_divergence
    torch.manual_seed(0)
    net = nn.Linear(4, 3)
    x = torch.randn(8, 4)
    r = torch.randn(8)
    d = Categorical(logits=net(x))
    a = d.sample()
    assert a.shape == (8,) and a.dtype == torch.int64
    loss = -(d.log_prob(a) * r).mean() - 0.01 * d.entropy().mean()
    loss.backward()
    assert net.weight.grad is not None and net.weight.grad.shape == (3, 4)
    g = torch.distributions.Normal(torch.zeros(2), torch.ones(2))
    print("kl", round(float(kl_divergence(g, Normal(torch.ones(2), 2.0)).sum()), 4))
    print("reinforce OK", torch.distributions.Categorical.__module__.split(".")[0])
""")


def test_reinforce_script_under_shim(tmp_path):
    script = tmp_path / "reinforce.py"
    script.write_text(SCRIPT)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "compat"), str(ROOT)])
    proc = subprocess.run([sys.executable, str(script)], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=600, stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.strip().splitlines()
    assert lines[-2] == "kl 0.8863"
    assert lines[-1] == "reinforce OK jtorch"
