"""torch.amp.GradScaler in jtorch vs real torch, end to end on the CPU."""
import pickle
import warnings

import numpy as np
import pytest
import torch

import jtorch


def _run(lib, steps=6, inf_at=(2,), clip=True, autocast=True):
    rng = np.random.default_rng(0)
    lib.manual_seed(0)
    m = lib.nn.Linear(4, 3)
    w0 = np.random.default_rng(5).standard_normal((3, 4)).astype(np.float32)
    with lib.no_grad():
        m.weight.copy_(lib.tensor(w0))
        m.bias.zero_()
    opt = lib.optim.SGD(m.parameters(), lr=0.1, momentum=0.9)
    scaler = lib.amp.GradScaler("cpu", init_scale=2.0 ** 10, growth_interval=2)
    log = []
    for i in range(steps):
        x = lib.tensor(rng.standard_normal((5, 4)).astype(np.float32))
        y = lib.tensor(rng.standard_normal((5, 3)).astype(np.float32))
        opt.zero_grad()
        with lib.autocast("cpu", enabled=autocast):
            loss = lib.nn.functional.mse_loss(m(x), y)
        scaler.scale(loss).backward()
        if i in inf_at:
            with lib.no_grad():
                m.weight.grad[0, 0] = float("inf")
        if clip:
            scaler.unscale_(opt)
            lib.nn.utils.clip_grad_norm_(m.parameters(), 1.0)
        scaler.step(opt)
        scaler.update()
        log.append((scaler.get_scale(), scaler._get_growth_tracker(), float(loss),
                    m.weight.detach().numpy().copy(), m.bias.detach().numpy().copy()))
    return log, scaler, m, opt


@pytest.mark.parametrize("clip", [True, False])
@pytest.mark.parametrize("autocast", [True, False])
def test_scaler_trajectory_matches_torch(clip, autocast):
    tlog, ts, _, _ = _run(torch, clip=clip, autocast=autocast)
    jlog, js, _, _ = _run(jtorch, clip=clip, autocast=autocast)
    scales = [r[0] for r in tlog]
    assert scales[2] == scales[1] / 2  # NOTE: the inf step backed off (sanity on torch)
    for (tsc, ttr, tl, tw, tb), (jsc, jtr, jl, jw, jb) in zip(tlog, jlog):
        assert jsc == tsc and jtr == ttr
        tol = 0.02 if autocast else 1e-5
        assert abs(jl - tl) <= tol * max(1.0, abs(tl))
        np.testing.assert_allclose(np.asarray(jw), tw, rtol=tol, atol=tol)
        np.testing.assert_allclose(np.asarray(jb), tb, rtol=tol, atol=tol)
    assert js.state_dict() == ts.state_dict()


def test_inf_step_is_skipped_and_grads_unscaled():
    m = jtorch.nn.Linear(2, 1)
    opt = jtorch.optim.SGD(m.parameters(), lr=1.0)
    s = jtorch.amp.GradScaler("cpu", init_scale=4.0)
    before = m.weight.detach().clone()
    s.scale(m(jtorch.ones(1, 2)).sum()).backward()
    m.bias.grad.fill_(float("nan"))
    assert s.step(opt) is None
    assert jtorch.equal(m.weight.detach(), before)
    np.testing.assert_allclose(m.weight.grad.numpy(), [[1.0, 1.0]])  # NOTE: unscaled by 1/4
    s.update()
    assert s.get_scale() == 2.0 and s._get_growth_tracker() == 0


def test_state_dict_round_trip_and_pickle():
    _, js, _, _ = _run(jtorch, steps=3)
    sd = js.state_dict()
    assert set(sd) == {"scale", "growth_factor", "backoff_factor", "growth_interval",
                       "_growth_tracker"}
    fresh = jtorch.amp.GradScaler("cpu")
    fresh.load_state_dict(sd)
    assert fresh.state_dict() == sd
    assert fresh.get_scale() == sd["scale"]
    again = pickle.loads(pickle.dumps(js))
    assert again.state_dict() == sd
    t = torch.amp.GradScaler("cpu")
    t.load_state_dict(sd)
    assert t.state_dict() == sd
    with pytest.raises(RuntimeError, match="The source state dict is empty"):
        fresh.load_state_dict({})


def test_errors_match_torch():
    for lib in (torch, jtorch):
        m = lib.nn.Linear(2, 1)
        opt = lib.optim.SGD(m.parameters(), lr=1.0)
        s = lib.amp.GradScaler("cpu")
        with pytest.raises(AssertionError, match="Attempted step but _scale is None"):
            s.step(opt)
        s.scale(m(lib.ones(1, 2)).sum()).backward()
        s.unscale_(opt)
        with pytest.raises(RuntimeError, match="unscale_\\(\\) has already been called"):
            s.unscale_(opt)
        s.step(opt)
        with pytest.raises(RuntimeError, match="step\\(\\) has already been called"):
            s.step(opt)
        with pytest.raises(RuntimeError, match="Closure use is not currently supported"):
            s.step(opt, closure=lambda: 0)
        with pytest.raises(AssertionError, match="The growth factor must be > 1.0."):
            lib.amp.GradScaler("cpu", growth_factor=1.0)
        s.update()
        p = lib.zeros(2, dtype=lib.float16, requires_grad=True)
        p.grad = lib.ones(2, dtype=lib.float16)
        opt16 = lib.optim.SGD([p], lr=1.0)
        s.scale(lib.ones(1))
        with pytest.raises(ValueError, match="Attempting to unscale FP16 gradients."):
            s.unscale_(opt16)


def test_scale_iterables_and_disabled():
    s = jtorch.amp.GradScaler("cpu", init_scale=8.0)
    a, b = s.scale([jtorch.ones(2), (jtorch.ones(1) * 2,)])
    assert a.tolist() == [8.0, 8.0] and b[0].tolist() == [16.0]
    d = jtorch.amp.GradScaler("cpu", enabled=False)
    x = jtorch.ones(2)
    assert d.scale(x) is x and d.get_scale() == 1.0 and d.state_dict() == {}
    assert not d.is_enabled()


def test_cuda_scaler_without_gpu_warns_and_disables():
    if jtorch.cuda.is_available():
        pytest.skip("a GPU is present")
    for lib in (torch, jtorch):
        with pytest.warns(UserWarning, match="torch.cuda.amp.GradScaler is enabled, but CUDA "
                          "is not available.  Disabling."):
            s = lib.amp.GradScaler("cuda")
        assert not s.is_enabled()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert not jtorch.amp.GradScaler().is_enabled()
