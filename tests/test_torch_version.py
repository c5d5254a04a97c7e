"""torch.__version__ / torch.torch_version.TorchVersion against torch's."""
import pytest
import torch
from packaging.version import Version
from torch._vendor.packaging.version import Version as TorchsVersion
from torch.torch_version import TorchVersion as TV

import jtorch
from jtorch.torch_version import TorchVersion as JV

OTHERS = ["2.13.0", "2.13", "2.0", "1.13.1", "2.14.0a0", "2.13.0+cpu", "parrot", (2, 13), (2, 12, 9),
          (3,), ("Version", "2.13.0"), ("Version", "2.12")]


@pytest.mark.parametrize("mine", ["2.13.0", "1.10.0a", "2.13.0+cpu", "parrot"])
@pytest.mark.parametrize("other", OTHERS, ids=str)
@pytest.mark.parametrize("op", ["__lt__", "__le__", "__eq__", "__ge__", "__gt__"])
def test_comparisons_match_torch(mine, other, op):
    """Each comparison gives torch's answer (or torch's exception class)."""
    def run(cls, version_cls):
        # NOTE: torch compares against its vendored packaging's Version; jtorch against packaging's
        arg = version_cls(other[1]) if isinstance(other, tuple) and other[0] == "Version" else other
        try:
            return getattr(cls(mine), op)(arg)
        except Exception as e:  # noqa: BLE001 - the class is what is compared
            return type(e)
    assert run(JV, Version) == run(TV, TorchsVersion)


def test_version_is_a_str_of_torchs_release():
    """torch.__version__ is a hashable str naming the torch release jtorch reproduces."""
    v = jtorch.__version__
    assert isinstance(v, str) and isinstance(v, JV)
    assert hash(v) == hash(str(v))
    assert v == jtorch.version.__version__
    assert v.split(".")[:2] == torch.__version__.split("+")[0].split(".")[:2]
    assert v >= "2.0" and v >= (2, 0) and not v < (1, 9)
