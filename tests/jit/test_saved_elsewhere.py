"""A program saved by jit.save on another machine: an NVIDIA H200 with jax 0.11.2 (made by
tools/device_check.py: a 20-32-5 MLP, batch 7, outputs saved beside it).

StableHLO artifacts load in the same or newer JAX; an older JAX must refuse the file with a clear
RuntimeError at load time (not a crash, not an error at the first call)."""
from pathlib import Path

import jax
import numpy as np
import pytest

import jtorch

DATA = Path(__file__).parent / "data"
FILE = DATA / "mlp_saved_on_h200_jax0112.pt"


def _version(v):
    return tuple(int(x) for x in v.split(".")[:3] if x.isdigit())


def test_gpu_saved_program_runs_on_cpu_or_is_refused_clearly():
    io = np.load(DATA / "mlp_saved_on_h200_jax0112_io.npz")
    if _version(jax.__version__) >= (0, 11, 2):
        m = jtorch.jit.load(str(FILE))
        y = m(jtorch.tensor(io["x"]))
        assert y.device.type == "cpu"
        np.testing.assert_allclose(y.numpy(), io["y"], atol=1e-5)
        y2 = m(jtorch.tensor(np.concatenate([io["x"], io["x"]])))  # the batch is symbolic
        np.testing.assert_allclose(y2.numpy()[7:], io["y"], atol=1e-5)
    else:
        with pytest.raises(RuntimeError, match=r"cannot load this exported program.*"
                                               r"this JAX \(" + jax.__version__):
            jtorch.jit.load(str(FILE))
