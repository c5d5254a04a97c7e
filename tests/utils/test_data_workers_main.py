"""DataLoader workers in unmodified scripts run as `__main__`, in subprocesses (never here).

A script without the `if __name__ == "__main__":` guard iterates a DataLoader with workers; its
dataset class, collate_fn and worker_init_fn are defined in the script, and the dataset reads a
module-level global and a helper module beside the script that does `import torch` itself. Under
torch (fork on Linux) this works; jtorch's workers are spawned fresh and never re-run the script,
so they must get everything defined there by value and resolve `import torch` as the parent does.

NOTE: every run starts a Python process and two workers that import jtorch (seconds each).
"""
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.shim

ROOT = Path(__file__).resolve().parents[2]
COMPAT = ROOT / "compat"
TIMEOUT = 300

_HELPER = '''\
import torch


def row(i):
    return torch.tensor([i, i * i])
'''

_SCRIPT = '''\
import collections
import sys

import torch
from torch.utils.data import DataLoader, Dataset

import wm_helper  # beside this script; imports torch by name (in the workers too)

OFFSET = 10          # a module-level global the dataset reads
INIT_DONE = False    # worker_init_fn sets it in each worker; the dataset reads it
Pair = collections.namedtuple("Pair", ["x", "y"])


class BadSample(Exception):
    pass


class Squares(Dataset):
    def __init__(self, n, bad):
        self.n, self.bad = n, bad

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        if i == self.bad:
            raise BadSample(f"bad sample {i}")
        x = wm_helper.row(i)
        assert type(x) is torch.Tensor and sys.modules["torch"] is torch, type(x)
        return Pair(x + OFFSET, torch.tensor(float(INIT_DONE)))


def collate(batch):
    return Pair(torch.stack([b.x for b in batch]), torch.stack([b.y for b in batch]))


def init_fn(worker_id):
    global INIT_DONE
    INIT_DONE = True


def run(num_workers):
    loader = DataLoader(Squares(11, bad=9), batch_size=3, num_workers=num_workers,
                        collate_fn=collate, worker_init_fn=init_fn)
    rows = []
    try:
        for b in loader:
            assert type(b) is Pair and type(b.x) is torch.Tensor, (type(b), type(b.x))
            rows.append((b.x.tolist(), b.y.tolist()))
    except BadSample as e:   # the script's own class, re-raised from the worker
        rows.append(("BadSample", "bad sample 9" in str(e)))
    print(num_workers, rows, flush=True)


'''

_UNGUARDED = "run(2)\nrun(0)\n"
_GUARDED = 'if __name__ == "__main__":\n    run(2)\n    run(0)\n'

_XS = [[[10, 10], [11, 11], [12, 14]], [[13, 19], [14, 26], [15, 35]],
       [[16, 46], [17, 59], [18, 74]]]


def _expected(flag):
    return str([(x, [flag] * 3) for x in _XS] + [("BadSample", True)])


EXPECTED = f"2 {_expected(1.0)}\n0 {_expected(0.0)}\n"


def _env(*paths):
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    if paths:
        env["PYTHONPATH"] = os.pathsep.join(str(p) for p in paths)
    return env


def _run_script(tmp_path, tail, how):
    (tmp_path / "wm_helper.py").write_text(_HELPER)
    script = tmp_path / "train.py"
    script.write_text(_SCRIPT + tail)
    if how == "compat":      # PYTHONPATH=compat python train.py
        args, env = [sys.executable, str(script)], _env(COMPAT, ROOT)
    elif how == "jtorch_run":  # python -m jtorch run train.py (the alias installed in-process)
        args, env = [sys.executable, "-m", "jtorch", "run", str(script)], _env(ROOT)
    else:                    # real torch: the oracle
        if importlib.util.find_spec("torch") is None:
            pytest.skip("real torch (the oracle) is not installed")
        args, env = [sys.executable, str(script)], _env()
    proc = subprocess.run(args, cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=TIMEOUT, stdin=subprocess.DEVNULL)
    if proc.returncode != 0:
        pytest.fail(f"{how}: exited {proc.returncode}\n--- stdout\n{proc.stdout}\n"
                    f"--- stderr\n{proc.stderr}")
    return proc.stdout


@pytest.mark.parametrize("how", ["compat", "jtorch_run", "torch"])
def test_unguarded_script_with_workers(tmp_path, how):
    assert _run_script(tmp_path, _UNGUARDED, how) == EXPECTED


def test_guarded_script_with_workers(tmp_path):
    assert _run_script(tmp_path, _GUARDED, "jtorch_run") == EXPECTED
