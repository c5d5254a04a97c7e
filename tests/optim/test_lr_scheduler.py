"""Every lr scheduler: the same lr (and momentum) sequence as torch, get_last_lr, state_dict."""
import math
import warnings

import pytest
import torch

import jtorch

N = 30


def _opt(lib, kind="SGD", groups=2):
    ps = [lib.zeros(2, requires_grad=True) for _ in range(groups)]
    pg = [{"params": [p], "lr": 0.1 * (i + 1)} for i, p in enumerate(ps)]
    if kind == "SGD":
        return lib.optim.SGD(pg, lr=0.1, momentum=0.9)
    return lib.optim.Adam(pg, lr=0.1)


def _make(lib, name, opt):
    L = lib.optim.lr_scheduler
    if name == "LambdaLR":
        return L.LambdaLR(opt, [lambda e: 0.95 ** e, lambda e: 1.0 / (e + 1)])
    if name == "MultiplicativeLR":
        return L.MultiplicativeLR(opt, lambda e: 0.9)
    if name == "StepLR":
        return L.StepLR(opt, step_size=4, gamma=0.5)
    if name == "MultiStepLR":
        return L.MultiStepLR(opt, milestones=[3, 7, 7, 20], gamma=0.3)
    if name == "ConstantLR":
        return L.ConstantLR(opt, factor=0.25, total_iters=6)
    if name == "LinearLR":
        return L.LinearLR(opt, start_factor=0.2, end_factor=0.9, total_iters=10)
    if name == "ExponentialLR":
        return L.ExponentialLR(opt, gamma=0.93)
    if name == "PolynomialLR":
        return L.PolynomialLR(opt, total_iters=20, power=2.0)
    if name == "CosineAnnealingLR":
        return L.CosineAnnealingLR(opt, T_max=7, eta_min=0.01)
    if name == "CosineAnnealingWarmRestarts":
        return L.CosineAnnealingWarmRestarts(opt, T_0=3, T_mult=2, eta_min=0.001)
    if name == "CyclicLR":
        return L.CyclicLR(opt, base_lr=0.01, max_lr=[0.1, 0.2], step_size_up=4,
                          step_size_down=3, mode="triangular2")
    if name == "CyclicLR-exp":
        return L.CyclicLR(opt, base_lr=0.01, max_lr=0.1, step_size_up=5, mode="exp_range",
                          gamma=0.97)
    if name == "OneCycleLR":
        return L.OneCycleLR(opt, max_lr=[0.5, 1.0], total_steps=N + 1)
    if name == "OneCycleLR-3phase":
        return L.OneCycleLR(opt, max_lr=0.5, epochs=4, steps_per_epoch=8,
                            anneal_strategy="linear", three_phase=True)
    if name == "SequentialLR":
        return L.SequentialLR(opt, [L.LinearLR(opt, start_factor=0.1, total_iters=5),
                                    L.ExponentialLR(opt, gamma=0.9)], milestones=[5])
    if name == "ChainedScheduler":
        return L.ChainedScheduler([L.ConstantLR(opt, factor=0.5, total_iters=4),
                                   L.ExponentialLR(opt, gamma=0.9)])
    raise AssertionError(name)


NAMES = ["LambdaLR", "MultiplicativeLR", "StepLR", "MultiStepLR", "ConstantLR", "LinearLR",
         "ExponentialLR", "PolynomialLR", "CosineAnnealingLR", "CosineAnnealingWarmRestarts",
         "CyclicLR", "CyclicLR-exp", "OneCycleLR", "OneCycleLR-3phase", "SequentialLR",
         "ChainedScheduler"]


def _sequence(lib, name, kind):
    opt = _opt(lib, kind)
    sched = _make(lib, name, opt)
    seq = [(sched.get_last_lr(), [g.get("momentum", g.get("betas")) for g in opt.param_groups])]
    for _ in range(N):
        opt.step()
        sched.step()
        seq.append((sched.get_last_lr(),
                    [g.get("momentum", g.get("betas")) for g in opt.param_groups]))
    return seq, opt, sched


def _close(a, b):
    if isinstance(a, (list, tuple)):
        assert type(a) is type(b) and len(a) == len(b), (a, b)
        for x, y in zip(a, b):
            _close(x, y)
    else:
        assert math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-15), (a, b)


@pytest.mark.parametrize("name", NAMES)
def test_lr_sequence(name):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        kind = "Adam" if name in ("CyclicLR-exp", "OneCycleLR-3phase") else "SGD"
        js, jo, jsch = _sequence(jtorch, name, kind)
        ts, to, tsch = _sequence(torch, name, kind)
    _close(js, ts)
    jd, td = jsch.state_dict(), tsch.state_dict()
    assert sorted(jd) == sorted(td)
    assert sorted(jo.param_groups[0]) == sorted(to.param_groups[0])


@pytest.mark.parametrize("name", ["StepLR", "CosineAnnealingLR", "OneCycleLR", "CyclicLR",
                                  "SequentialLR", "CosineAnnealingWarmRestarts"])
def test_state_dict_resume(name):
    """state_dict after 10 steps, loaded into a fresh scheduler: the rest of the sequence is the
    same as an uninterrupted run (and as torch's)."""
    ts, _, _ = _sequence(torch, name, "SGD")
    opt = _opt(jtorch)
    sched = _make(jtorch, name, opt)
    for _ in range(10):
        opt.step()
        sched.step()
    sd, osd = sched.state_dict(), opt.state_dict()
    opt2 = _opt(jtorch)
    sched2 = _make(jtorch, name, opt2)
    sched2.load_state_dict(sd)
    opt2.load_state_dict(osd)
    got = []
    for _ in range(N - 10):
        opt2.step()
        sched2.step()
        got.append(sched2.get_last_lr())
    _close(got, [lr for lr, _ in ts[11:]])


def test_reduce_lr_on_plateau():
    metrics = [1.0, 0.9, 0.95, 0.96, 0.97, 0.98, 0.85, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.5]
    out = []
    for lib in (jtorch, torch):
        opt = _opt(lib)
        L = lib.optim.lr_scheduler
        scheds = [L.ReduceLROnPlateau(opt, patience=2, factor=0.5, min_lr=[0.02, 0.05]),
                  L.ReduceLROnPlateau(_opt(lib), mode="max", threshold_mode="abs", cooldown=2,
                                      patience=1, threshold=0.01)]
        seq = []
        for m in metrics:
            for s in scheds:
                s.step(m)
            seq.append([s.get_last_lr() for s in scheds])
        sd = scheds[0].state_dict()
        out.append((seq, sorted(sd), sd["best"], sd["num_bad_epochs"]))
    assert out[0] == out[1]


def test_errors_and_get_lr_warning():
    jo, to = _opt(jtorch), _opt(torch)
    for fj, ft in [
        (lambda: jtorch.optim.lr_scheduler.StepLR(object(), 3),
         lambda: torch.optim.lr_scheduler.StepLR(object(), 3)),
        (lambda: jtorch.optim.lr_scheduler.ConstantLR(jo, factor=2.0),
         lambda: torch.optim.lr_scheduler.ConstantLR(to, factor=2.0)),
        (lambda: jtorch.optim.lr_scheduler.OneCycleLR(jo, max_lr=1.0),
         lambda: torch.optim.lr_scheduler.OneCycleLR(to, max_lr=1.0)),
        (lambda: jtorch.optim.lr_scheduler.ReduceLROnPlateau(jo, factor=1.5),
         lambda: torch.optim.lr_scheduler.ReduceLROnPlateau(to, factor=1.5)),
    ]:
        with pytest.raises(Exception) as ej:
            fj()
        with pytest.raises(Exception) as et:
            ft()
        assert type(ej.value) is type(et.value) and str(ej.value) == str(et.value)
    s = jtorch.optim.lr_scheduler.StepLR(_opt(jtorch), 3)
    with pytest.warns(UserWarning, match="get_last_lr"):
        s.get_lr()
    with pytest.warns(UserWarning, match="before `optimizer.step\\(\\)`"):
        s.step()
