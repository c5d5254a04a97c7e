"""torch.utils.hooks: RemovableHandle semantics vs torch, unserializable_hook, warn_if_has_hooks."""
import pickle
import warnings
from collections import OrderedDict

import pytest
import torch.utils.hooks as th

import jtorch
import jtorch.utils.hooks as jh
from _harness import pair


def test_public_names():
    assert set(jh.__all__) == set(th.__all__)
    assert jh.RemovableHandle is jtorch.nn.modules.module.RemovableHandle
    assert jtorch.utils.hooks is jh  # the submodule import binds the attribute


@pytest.mark.parametrize("lib", ["torch", "jtorch"])
def test_removable_handle(lib):
    RH = (th if lib == "torch" else jh).RemovableHandle
    d, extra = OrderedDict(), OrderedDict()
    h1 = RH(d, extra_dict=extra)
    d[h1.id] = "a"
    extra[h1.id] = True
    h2 = RH(d)
    d[h2.id] = "b"
    assert h2.id == h1.id + 1
    h1.remove()
    assert list(d.values()) == ["b"] and h1.id not in extra
    h1.remove()  # removing twice is a no-op
    with h2:
        assert h2.id in d
    assert not d
    # pickling keeps the id (the unpickled dict has no other owner, so its weakref dies as in
    # torch)
    h3 = RH(d)
    d[h3.id] = "c"
    h4 = pickle.loads(pickle.dumps(h3))
    assert h4.id == h3.id
    h4.remove()  # no error though the dict is gone


def test_module_hook_handles_are_removable_handles():
    m = jtorch.nn.Linear(2, 2)
    h = m.register_forward_hook(lambda *a: None)
    assert isinstance(h, jh.RemovableHandle)
    assert len(m._forward_hooks) == 1
    h.remove()
    assert len(m._forward_hooks) == 0


def test_unserializable_and_warn():
    j, t = pair([1.0, 2.0], requires_grad=True)

    def hook(g):
        return g

    j.register_hook(hook)
    t.register_hook(hook)
    with pytest.warns(UserWarning, match="will not be serialized"):
        jh.warn_if_has_hooks(j)
    with pytest.warns(UserWarning, match="will not be serialized"):
        th.warn_if_has_hooks(t)

    @jh.unserializable_hook
    def quiet(g):
        return g

    assert quiet.__torch_unserializable__ is True
    j2, _ = pair([1.0], requires_grad=True)
    j2.register_hook(quiet)
    y = j2 * 2  # a non-leaf's hooks are found too
    y.register_hook(hook)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        jh.warn_if_has_hooks(j2)
    with pytest.warns(UserWarning):
        jh.warn_if_has_hooks(y)
