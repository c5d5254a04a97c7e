"""torch.masked against torch on a spread of op_db samples (the OpInfo scoreboard checks only the
first few, which are mostly 0-d): values and dtypes for float32/int64, VJPs for float32.
(Every sample of every entry passed when this file was written; PER_ENTRY keeps it quick.)"""
import pytest
import torch

from test_opinfo import OPINFOS, check_sample, jt_callable

NAMES = sorted(n for n in OPINFOS if n.startswith("masked."))
PER_ENTRY = 15  # about this many samples per entry and dtype, evenly spread


@pytest.mark.parametrize("dtype", ["float32", "int64"])
@pytest.mark.parametrize("name", NAMES)
def test_sample_spread(name, dtype):
    """An even spread of a torch.masked entry's op_db samples matches torch."""
    o = OPINFOS[name]
    if getattr(torch, dtype) not in o.supported_dtypes("cpu"):
        pytest.skip(f"torch does not support {name} on {dtype}")
    grad = dtype == "float32" and o.supports_autograd
    jfn = jt_callable(o)
    torch.manual_seed(0)
    samples = list(o.sample_inputs_func(o, "cpu", getattr(torch, dtype), grad))
    for sample in samples[::max(1, len(samples) // PER_ENTRY)]:
        check_sample(name, o, jfn, sample, dtype, grad)
