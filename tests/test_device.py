"""torch.device and torch.cuda against torch (a CPU-only build of torch is the oracle here)."""
import pickle

import numpy as np
import pytest
import torch

import jtorch
from _harness import assert_same, assert_same_raise, pair

HAS_GPU = jtorch.cuda.is_available()

GOOD = [("cpu",), ("cuda",), ("cuda:0",), ("cuda:1",), ("cpu:0",), ("meta",), ("cuda", 1),
        ("cpu", 0), ("cuda", 0), ("mps",), ("xla",), ("xla:3",)]
BAD = [("gpu",), ("cuda:x",), ("cuda:-1",), ("cuda:0:1",), ("",), (" cpu",), ("cpu ",), ("CPU",),
       ("cuda:01",), ("cuda:",), (":0",), ("cuda:1", 1), ("cuda", -1), (None,), (1.5,),
       (True,), ("cuda", "1")]


@pytest.mark.parametrize("args", GOOD, ids=repr)
def test_device_parse(args):
    j, t = jtorch.device(*args), torch.device(*args)
    assert repr(j) == repr(t)
    assert str(j) == str(t)
    assert j.type == t.type
    assert j.index == t.index
    assert jtorch.device(j) == j
    assert pickle.loads(pickle.dumps(j)) == j


@pytest.mark.parametrize("args", BAD, ids=repr)
def test_device_parse_errors(args):
    assert_same_raise(lambda: jtorch.device(*args), lambda: torch.device(*args))


@pytest.mark.parametrize("message_args", [("",), ("cuda:x",), ("gpu",), ("cuda:1", 1)], ids=repr)
def test_device_error_messages(message_args):
    ej, et = assert_same_raise(lambda: jtorch.device(*message_args),
                               lambda: torch.device(*message_args))
    assert str(ej) == str(et)


def test_device_int():
    """torch.device(0) is the current accelerator; without one torch raises."""
    if HAS_GPU:
        assert repr(jtorch.device(0)) == "device(type='cuda', index=0)"
    else:
        assert_same_raise(lambda: jtorch.device(0), lambda: torch.device(0))
    assert_same_raise(lambda: jtorch.device(-1), lambda: torch.device(-1))


def test_device_equality_and_hash():
    pairs = [("cpu", "cpu"), ("cpu", "cpu:0"), ("cuda", "cuda:0"), ("cuda:0", "cuda:0"),
             ("cuda:0", "cuda:1"), ("cpu", "cuda")]
    for a, b in pairs:
        assert (jtorch.device(a) == jtorch.device(b)) == (torch.device(a) == torch.device(b))
        assert (jtorch.device(a) != jtorch.device(b)) == (torch.device(a) != torch.device(b))
    # a device never equals a string in torch
    assert (jtorch.device("cpu") == "cpu") == (torch.device("cpu") == "cpu")
    assert hash(jtorch.device("cuda:1")) == hash(jtorch.device("cuda", 1))
    assert len({jtorch.device("cpu"), jtorch.device("cpu"), jtorch.device("cuda")}) == 2


def test_tensor_device_attributes():
    jx, tx = pair(np.arange(3.0))
    assert_same(jx.device, tx.device)
    assert jx.is_cuda == tx.is_cuda
    assert jx.is_cpu == tx.is_cpu
    assert jx.get_device() == tx.get_device()
    assert_same(jtorch.zeros(2, device="cpu").device, torch.zeros(2, device="cpu").device)
    assert_same(jtorch.zeros(2, device=jtorch.device("cpu", 0)).device,
                torch.zeros(2, device=torch.device("cpu", 0)).device)


def test_to_cpu():
    jx, tx = pair(np.arange(3.0))
    for arg in ("cpu", jtorch.device("cpu"), "cpu:0"):
        targ = torch.device(str(arg)) if isinstance(arg, jtorch.device) else arg
        assert_same(jx.to(arg), tx.to(targ))
        if arg != "cpu:0":  # NOTE: torch copies for 'cpu:0' (index differs); jtorch need not
            assert (jx.to(arg) is jx) == (tx.to(targ) is tx)
    assert_same(jx.to(device="cpu"), tx.to(device="cpu"))
    assert_same(jx.cpu(), tx.cpu())
    assert (jx.cpu() is jx) == (tx.cpu() is tx)


def test_default_device_context():
    with jtorch.device("cpu"):
        assert str(jtorch.ones(2).device) == "cpu"
    jtorch.set_default_device("cpu")
    assert str(jtorch.get_default_device()) == "cpu"
    jtorch.set_default_device(None)
    assert str(jtorch.get_default_device()) == str(torch.get_default_device())


# ---- torch.cuda ------------------------------------------------------------------------------

@pytest.mark.skipif(HAS_GPU, reason="compares with torch's CPU-only build; this JAX has a GPU")
class TestNoCuda:
    def test_is_available(self):
        assert jtorch.cuda.is_available() is torch.cuda.is_available() is False
        assert jtorch.cuda.device_count() == torch.cuda.device_count() == 0
        assert jtorch.cuda.is_initialized() == torch.cuda.is_initialized()
        assert jtorch.cuda.is_bf16_supported() == torch.cuda.is_bf16_supported()
        assert jtorch.cuda.memory_allocated() == torch.cuda.memory_allocated()

    @pytest.mark.parametrize("name", ["current_device", "synchronize", "get_device_name",
                                      "get_device_capability", "initial_seed"])
    def test_needs_cuda(self, name):
        ej, et = assert_same_raise(getattr(jtorch.cuda, name), getattr(torch.cuda, name))
        assert str(et) in str(ej)

    def test_noops(self):
        """Seeding and empty_cache do nothing without CUDA (torch queues them lazily)."""
        jtorch.manual_seed(3)
        a = jtorch.rand(3).tolist()
        jtorch.manual_seed(3)
        for f in (jtorch.cuda.manual_seed, jtorch.cuda.manual_seed_all):
            assert f(5) is None
        assert jtorch.cuda.empty_cache() is None
        assert jtorch.rand(3).tolist() == a  # the CPU stream is untouched

    @pytest.mark.parametrize("arg", [0, -1, "cpu", "cuda:0"], ids=repr)
    def test_tensor_cuda_arg_errors(self, arg):
        assert_same_raise(lambda: jtorch.ones(2).cuda(arg), lambda: torch.ones(2).cuda(arg))

    def test_set_device_errors(self):
        assert_same_raise(lambda: jtorch.cuda.set_device("cpu"),
                          lambda: torch.cuda.set_device("cpu"))

    @pytest.mark.parametrize("how", ["cuda()", "to('cuda')", "to('cuda:0')",
                                     "ones(device='cuda')"])
    def test_cuda_tensor_raises(self, how):
        def run(lib):
            x = lib.ones(2)
            if how == "cuda()":
                return x.cuda()
            if how == "cuda(0)":
                return x.cuda(0)
            if how == "ones(device='cuda')":
                return lib.ones(2, device="cuda")
            return x.to(how[4:-2])
        ej, et = assert_same_raise(lambda: run(jtorch), lambda: run(torch))
        assert "Torch not compiled with CUDA enabled" in str(ej)


@pytest.mark.skipif(not HAS_GPU, reason="needs a JAX GPU backend (jax[cuda] on a GPU machine)")
class TestCuda:
    def test_basics(self):
        n = jtorch.cuda.device_count()
        assert n >= 1
        assert jtorch.cuda.current_device() == 0
        assert isinstance(jtorch.cuda.get_device_name(), str)
        assert jtorch.cuda.is_bf16_supported()
        jtorch.cuda.synchronize()
        jtorch.cuda.empty_cache()

    def test_tensor_on_gpu(self):
        x = jtorch.arange(4.0).cuda()
        assert x.is_cuda and x.device == jtorch.device("cuda", 0)
        assert x.get_device() == 0
        y = (x * 2).cpu()
        assert y.device == jtorch.device("cpu") and y.tolist() == [0.0, 2.0, 4.0, 6.0]
        assert jtorch.ones(2, device="cuda").is_cuda

    def test_seed(self):
        jtorch.cuda.manual_seed(7)
        a = jtorch.rand(4, device="cuda").cpu().tolist()
        jtorch.cuda.manual_seed_all(7)
        assert jtorch.rand(4, device="cuda").cpu().tolist() == a

    def test_set_device(self):
        last = jtorch.cuda.device_count() - 1
        with jtorch.cuda.device(last):
            assert jtorch.cuda.current_device() == last
            assert jtorch.ones(1, device="cuda").get_device() == last
        assert jtorch.cuda.current_device() == 0
        with pytest.raises(RuntimeError):
            jtorch.cuda.set_device(jtorch.cuda.device_count())
