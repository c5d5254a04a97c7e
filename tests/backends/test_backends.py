"""torch.backends: defaults, assignment, flags() and errors match torch's CPU build."""
import warnings

import pytest
import torch

import jtorch
from _harness import assert_same_error
import jtorch.backends as jb

tb = torch.backends
NO_GPU = not jtorch.cuda.is_available()




@pytest.mark.skipif(not NO_GPU, reason="torch oracle is a CPU build")
def test_cpu_build_values():
    assert jb.cudnn.is_available() == tb.cudnn.is_available()
    assert jb.cudnn.version() == tb.cudnn.version()
    assert jb.cuda.is_built() == tb.cuda.is_built()
    for mod in ("mps", "mkl", "openmp", "mkldnn"):
        assert getattr(jb, mod).is_available() == getattr(tb, mod).is_available(), mod
    assert jb.mps.is_built() == tb.mps.is_built()


def test_default_values():
    for name in ("enabled", "benchmark", "deterministic", "allow_tf32"):
        assert getattr(jb.cudnn, name) == getattr(tb.cudnn, name), name
    for name in ("allow_tf32", "allow_fp16_reduced_precision_reduction",
                 "allow_bf16_reduced_precision_reduction"):
        assert getattr(jb.cuda.matmul, name) == getattr(tb.cuda.matmul, name), name
    for name in ("flash", "mem_efficient", "math", "cudnn"):
        assert getattr(jb.cuda, f"{name}_sdp_enabled")() == getattr(tb.cuda, f"{name}_sdp_enabled")()
    assert str(jb.cuda.preferred_linalg_library()) == str(tb.cuda.preferred_linalg_library())
    assert jb.mkldnn.enabled == tb.mkldnn.enabled
    assert jb.cpu.get_cpu_capability() == tb.cpu.get_cpu_capability()
    assert jb.opt_einsum.is_available() == tb.opt_einsum.is_available()
    assert jb.opt_einsum.enabled == tb.opt_einsum.enabled
    assert jb.opt_einsum.strategy == tb.opt_einsum.strategy


@pytest.mark.parametrize("mod,name", [("cudnn", "benchmark"), ("cudnn", "deterministic"),
                                      ("cudnn", "enabled"), ("cudnn", "allow_tf32"),
                                      ("mkldnn", "enabled")])
def test_assign_and_read_back(mod, name):
    jm, tm = getattr(jb, mod), getattr(tb, mod)
    old_j, old_t = getattr(jm, name), getattr(tm, name)
    # NOTE: importing torch.testing._internal.common_utils (the OpInfo tests, maybe earlier in
    # this worker) freezes torch's global flags; torch's own tests unfreeze them like this.
    with tb.disable_global_flags.__globals__["__allow_nonbracketed_mutation"]():
        try:
            for v in (not old_t, old_t):
                setattr(jm, name, v)
                setattr(tm, name, v)
                assert getattr(jm, name) == getattr(tm, name) == v
            assert_same_error(lambda: setattr(jm, name, 1), lambda: setattr(tm, name, 1))
        finally:
            setattr(jm, name, old_j)
            setattr(tm, name, old_t)


def test_module_identity_after_assignment():
    import sys
    import jtorch.backends.cudnn as cudnn
    assert sys.modules["jtorch.backends.cudnn"] is cudnn is jb.cudnn
    assert callable(cudnn.flags)


def test_cudnn_flags_context():
    with jb.cudnn.flags(enabled=False), tb.cudnn.flags(enabled=False):
        for name in ("enabled", "benchmark", "deterministic", "allow_tf32"):
            assert getattr(jb.cudnn, name) == getattr(tb.cudnn, name), name
    assert jb.cudnn.enabled == tb.cudnn.enabled is True
    with jb.cudnn.flags(enabled=True, benchmark=True, deterministic=True):
        assert jb.cudnn.benchmark and jb.cudnn.deterministic
    assert not jb.cudnn.benchmark and not jb.cudnn.deterministic


def test_mkldnn_flags_context():
    with jb.mkldnn.flags(enabled=False), tb.mkldnn.flags(enabled=False):
        assert jb.mkldnn.enabled == tb.mkldnn.enabled is False
    assert jb.mkldnn.enabled == tb.mkldnn.enabled is True


def test_matmul_flags():
    jm, tm = jb.cuda.matmul, tb.cuda.matmul
    try:
        for v in (True, False):
            jm.allow_tf32 = tm.allow_tf32 = v
            assert jm.allow_tf32 == tm.allow_tf32
        jm.allow_fp16_reduced_precision_reduction = (False, False)
        tm.allow_fp16_reduced_precision_reduction = (False, False)
        for n in ("allow_fp16_reduced_precision_reduction",
                  "allow_fp16_reduced_precision_reduction_split_k"):
            assert getattr(jm, n) == getattr(tm, n) is False
        assert_same_error(lambda: setattr(jm, "allow_tf32", 1), lambda: setattr(tm, "allow_tf32", 1))
        assert_same_error(lambda: setattr(jm, "foo", 1), lambda: setattr(tm, "foo", 1))
        assert_same_error(lambda: setattr(jm, "allow_bf16_reduced_precision_reduction", 1),
                     lambda: setattr(tm, "allow_bf16_reduced_precision_reduction", 1))
        assert_same_error(lambda: setattr(jm, "allow_bf16_reduced_precision_reduction", ()),
                     lambda: setattr(tm, "allow_bf16_reduced_precision_reduction", ()))
    finally:
        for m in (jm, tm):
            m.allow_tf32 = False
            m.allow_fp16_reduced_precision_reduction = True
            m.allow_bf16_reduced_precision_reduction = True


def test_sdp_switches_and_kernel_context():
    try:
        for lib in (jb, tb):
            lib.cuda.enable_flash_sdp(False)
            lib.cuda.enable_math_sdp(False)
        assert jb.cuda.flash_sdp_enabled() == tb.cuda.flash_sdp_enabled() is False
        assert jb.cuda.math_sdp_enabled() == tb.cuda.math_sdp_enabled() is False
    finally:
        for lib in (jb, tb):
            lib.cuda.enable_flash_sdp(True)
            lib.cuda.enable_math_sdp(True)
    with pytest.raises(RuntimeError):
        jb.cuda.enable_cudnn_sdp(1)
    got, want = [], []
    for lib, rec in ((jb, got), (tb, want)):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            with lib.cuda.sdp_kernel(enable_flash=False, enable_cudnn=False) as ctx:
                rec.append((ctx, lib.cuda.flash_sdp_enabled(), lib.cuda.math_sdp_enabled(),
                            lib.cuda.mem_efficient_sdp_enabled(), lib.cuda.cudnn_sdp_enabled()))
        rec.append([(x.category, str(x.message)) for x in w])
        rec.append(lib.cuda.flash_sdp_enabled())
    assert got == want


def test_preferred_linalg_library_errors():
    assert_same_error(lambda: jb.cuda.preferred_linalg_library("x"),
                 lambda: tb.cuda.preferred_linalg_library("x"))
    assert_same_error(lambda: jb.cuda.preferred_linalg_library(3),
                 lambda: tb.cuda.preferred_linalg_library(3))
    assert_same_error(lambda: jb.cuda.preferred_linalg_library("magma"),
                 lambda: tb.cuda.preferred_linalg_library("magma"))
    if NO_GPU:
        assert_same_error(lambda: jb.cuda.preferred_linalg_library("cusolver"),
                     lambda: tb.cuda.preferred_linalg_library("cusolver"))
    assert str(jb.cuda.preferred_linalg_library("default")) == "_LinalgBackend.Default"


def test_opt_einsum_flags():
    with jb.opt_einsum.flags(strategy="greedy"), tb.opt_einsum.flags(strategy="greedy"):
        assert jb.opt_einsum.strategy == tb.opt_einsum.strategy == "greedy"
    assert jb.opt_einsum.strategy == tb.opt_einsum.strategy == "auto"

    def bad(lib):
        with lib.opt_einsum.flags(strategy="bogus"):
            pass
    assert_same_error(lambda: bad(jb), lambda: bad(tb))
