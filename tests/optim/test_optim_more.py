"""Adafactor, Muon and SparseAdam: trajectories, state_dict layout and errors vs torch.optim."""
import copy
import textwrap

import numpy as np
import pytest
import torch

import jtorch

from _harness import run_on_two_cpu_devices

from ._util import (assert_params_close, grad_sequence, init_arrays, make_params, np_of,
                    set_grads)

N_STEPS = 8
AF_SHAPES = [(3, 4), (5,), (), (2, 3, 4), (1, 6)]
MUON_SHAPES = [(3, 4), (5, 3), (6, 6)]


def _run(lib, name, kwargs, grads, init, groups=None):
    params = make_params(lib, init)
    opt = getattr(lib.optim, name)(groups(params) if groups else params, **kwargs)
    for gs in grads:
        set_grads(lib, params, gs)
        opt.step()
    return params, opt


def _assert_same_state(jo, to, rtol=1e-5, atol=1e-6):
    """Same param_groups, state keys (in order), dtypes, shapes and values as torch."""
    js, ts = jo.state_dict(), to.state_dict()
    assert js["param_groups"] == ts["param_groups"]
    assert js["state"].keys() == ts["state"].keys()
    for k in ts["state"]:
        assert list(js["state"][k]) == list(ts["state"][k])
        for key, tv in ts["state"][k].items():
            jv = js["state"][k][key]
            assert isinstance(jv, jtorch.Tensor)
            assert str(jv.dtype) == str(tv.dtype) and tuple(jv.shape) == tuple(tv.shape), key
            np.testing.assert_allclose(np_of(jv.double()), np_of(tv.double()), rtol=rtol,
                                       atol=atol, err_msg=key)


def _same_error(make_t, make_j):
    """Both callables raise the same exception class with the same message."""
    with pytest.raises(Exception) as te:
        make_t()
    with pytest.raises(te.type) as je:
        make_j()
    assert str(je.value) == str(te.value)


# ---- Adafactor ----------------------------------------------------------------------------------

AF_CASES = [
    dict(),
    dict(lr=0.1, weight_decay=0.1),
    dict(lr=0.05, maximize=True, d=2.0),
    dict(lr=0.02, beta2_decay=-0.5, eps=(1e-4, 1e-2)),
    dict(lr=0.5, eps=(None, 0.5), weight_decay=0.01, foreach=True),
]


@pytest.mark.parametrize("kwargs", AF_CASES, ids=[str(i) for i in range(len(AF_CASES))])
def test_adafactor_trajectory(kwargs):
    init = init_arrays(shapes=AF_SHAPES)
    grads = grad_sequence(N_STEPS, shapes=AF_SHAPES)
    jp, jo = _run(jtorch, "Adafactor", kwargs, grads, init)
    tp, to = _run(torch, "Adafactor", kwargs, grads, init)
    assert_params_close(jp, tp)
    _assert_same_state(jo, to)
    assert list(jo.state[jp[0]]) == ["step", "row_var", "col_var"]
    assert list(jo.state[jp[1]]) == ["step", "variance"]


def test_adafactor_groups_none_grads_float64_and_tensor_lr():
    """Two groups (one float64 with a Tensor lr), a parameter sometimes without a gradient."""
    shapes = [(4, 3), (3,)]
    init = init_arrays(shapes=shapes) + init_arrays(seed=5, shapes=shapes, dtype=np.float64)
    g32 = grad_sequence(N_STEPS, shapes=shapes)
    g64 = grad_sequence(N_STEPS, seed=6, shapes=shapes, dtype=np.float64)
    grads = [a + b for a, b in zip(g32, g64)]
    for gs in grads[::3]:
        gs[1] = None

    def run(lib):
        return _run(lib, "Adafactor", dict(lr=0.05), grads, init, groups=lambda ps: [
            {"params": ps[:2]}, {"params": ps[2:], "lr": lib.tensor(0.03), "weight_decay": 0.1}])
    jp, jo = run(jtorch)
    tp, to = run(torch)
    assert_params_close(jp[:2], tp[:2])
    assert_params_close(jp[2:], tp[2:], rtol=1e-12, atol=1e-12)
    assert str(jo.state[jp[2]]["row_var"].dtype) == "torch.float64"
    assert float(jo.state[jp[1]]["step"]) == float(to.state[tp[1]]["step"]) == N_STEPS - 3


def test_adafactor_loads_torch_state_dict():
    """A state_dict saved by torch mid-run, loaded into jtorch: both continue identically."""
    init = init_arrays(shapes=AF_SHAPES)
    grads = grad_sequence(2 * N_STEPS, shapes=AF_SHAPES)
    kw = dict(lr=0.05, weight_decay=0.01)
    tp, to = _run(torch, "Adafactor", kw, grads[:N_STEPS], init)
    jp = make_params(jtorch, [np_of(p) for p in tp])
    jo = jtorch.optim.Adafactor(jp, lr=0.3)
    jo.load_state_dict(to.state_dict())
    assert jo.param_groups[0]["lr"] == 0.05
    for gs in grads[N_STEPS:]:
        for lib, ps, o in ((jtorch, jp, jo), (torch, tp, to)):
            set_grads(lib, ps, gs)
            o.step()
    assert_params_close(jp, tp)
    _assert_same_state(jo, to)
    # and back: jtorch's state_dict into a fresh jtorch optimizer reproduces the next step
    jp2 = make_params(jtorch, [np_of(p) for p in jp])
    jo2 = jtorch.optim.Adafactor(jp2)
    jo2.load_state_dict(copy.deepcopy(jo.state_dict()))  # NOTE: as torch, loading shares
    for ps, o in ((jp, jo), (jp2, jo2)):
        set_grads(jtorch, ps, grads[0])
        o.step()
    assert_params_close(jp2, jp, rtol=0, atol=0)


def test_adafactor_autograd_model():
    """Gradients from jtorch autograd on a Linear model, 10 steps."""
    rng = np.random.default_rng(3)
    w0 = rng.standard_normal((3, 4)).astype(np.float32)
    X = rng.standard_normal((8, 4)).astype(np.float32)
    Y = rng.standard_normal((8, 3)).astype(np.float32)

    def run(lib):
        m = lib.nn.Linear(4, 3)
        with lib.no_grad():
            m.weight.copy_(lib.tensor(w0))
            m.bias.zero_()
        opt = lib.optim.Adafactor(m.parameters(), lr=0.05)
        for _ in range(10):
            opt.zero_grad()
            ((m(lib.tensor(X)) - lib.tensor(Y)) ** 2).mean().backward()
            opt.step()
        return [m.weight, m.bias]
    assert_params_close(run(jtorch), run(torch))


@pytest.mark.parametrize("name,dtype,tol", [("Adafactor", "bfloat16", 3e-2),
                                            ("Adafactor", "float16", 4e-3),
                                            ("Muon", "bfloat16", 3e-2)])
def test_low_precision_params_within_a_few_ulps(name, dtype, tol):
    """bfloat16/float16 parameters: float32 compute with one rounding per torch op. NOTE:
    torch's scalar (non-vectorized) loop tails round some ops (rsqrt) twice, so results agree
    to a few units in the last place rather than exactly."""
    shapes = [(3, 4), (5, 3)]
    init = init_arrays(shapes=shapes)
    grads = grad_sequence(5, shapes=shapes)

    def run(lib):
        ps = [lib.tensor(a).to(getattr(lib, dtype)).requires_grad_() for a in init]
        opt = getattr(lib.optim, name)(ps, lr=0.03, weight_decay=0.1)
        for gs in grads:
            for p, g in zip(ps, gs):
                p.grad = lib.tensor(g).to(p.dtype)
            opt.step()
        return ps, opt
    (jp, jo), (tp, to) = run(jtorch), run(torch)
    for a, b in zip(jp, tp):
        assert str(a.dtype) == str(b.dtype)
        np.testing.assert_allclose(np_of(a.float()), np_of(b.float()), rtol=tol, atol=tol / 4)
    _assert_same_state(jo, to, rtol=tol, atol=tol)


@pytest.mark.parametrize("kwargs", [dict(lr=-1.0), dict(beta2_decay=0.5), dict(eps=(-1.0, 1e-3)),
                                    dict(eps=(None, -1e-3)), dict(d=0.5),
                                    dict(weight_decay=-0.1)])
def test_adafactor_validation(kwargs):
    _same_error(lambda: torch.optim.Adafactor([torch.zeros(2, requires_grad=True)], **kwargs),
                lambda: jtorch.optim.Adafactor([jtorch.zeros(2, requires_grad=True)], **kwargs))


def test_adafactor_complex_raises():
    def step(lib):
        p = lib.zeros(2, 2, dtype=lib.complex64, requires_grad=True)
        p.grad = lib.ones(2, 2, dtype=lib.complex64)
        lib.optim.Adafactor([p]).step()
    _same_error(lambda: step(torch), lambda: step(jtorch))


def test_module_names():
    assert jtorch.optim.Adafactor.__module__ == "jtorch.optim"
    assert jtorch.optim.Muon.__module__ == "jtorch.optim"
    assert jtorch.optim.SparseAdam.__module__ == "jtorch.optim.sparse_adam"
    for name in ("Adafactor", "Muon", "SparseAdam"):
        assert name in jtorch.optim.__all__


# ---- Muon ---------------------------------------------------------------------------------------

MUON_CASES = [
    dict(lr=0.02),
    dict(lr=0.02, nesterov=False, momentum=0.9, weight_decay=0.0,
         adjust_lr_fn="match_rms_adamw"),
    dict(lr=0.01, adjust_lr_fn="original", ns_steps=3, ns_coefficients=(2.0, -1.5, 0.5),
         weight_decay=0.05),
]


@pytest.mark.parametrize("kwargs", MUON_CASES, ids=[str(i) for i in range(len(MUON_CASES))])
def test_muon_trajectory(kwargs):
    """Small matrices: every bfloat16 rounding of the Newton-Schulz iteration agrees."""
    init = init_arrays(shapes=MUON_SHAPES)
    grads = grad_sequence(N_STEPS, shapes=MUON_SHAPES)
    jp, jo = _run(jtorch, "Muon", kwargs, grads, init)
    tp, to = _run(torch, "Muon", kwargs, grads, init)
    assert_params_close(jp, tp)
    _assert_same_state(jo, to)


def test_muon_tensor_lr():
    """A Tensor lr stays a tensor in torch: the lr factors are float32 tensor arithmetic."""
    init = init_arrays(shapes=MUON_SHAPES)
    grads = grad_sequence(4, shapes=MUON_SHAPES)
    jp, _ = _run(jtorch, "Muon", dict(lr=jtorch.tensor(0.03), weight_decay=0.2), grads, init)
    tp, _ = _run(torch, "Muon", dict(lr=torch.tensor(0.03), weight_decay=0.2), grads, init)
    assert_params_close(jp, tp)


def test_muon_large_matrix_close():
    """Larger matrices: float32 accumulation order differs from torch's CPU gemm, which can flip
    a bfloat16 rounding inside the iteration; updates still agree to bfloat16 precision."""
    shapes = [(48, 32)]
    init = init_arrays(shapes=shapes)
    grads = grad_sequence(5, shapes=shapes)
    jp, _ = _run(jtorch, "Muon", dict(lr=0.02), grads, init)
    tp, _ = _run(torch, "Muon", dict(lr=0.02), grads, init)
    for a, b, a0 in zip(jp, tp, init):
        moved = np.abs(np_of(b) - a0).max()
        np.testing.assert_allclose(np_of(a), np_of(b), rtol=0, atol=0.05 * moved)


def test_muon_loads_torch_state_dict():
    init = init_arrays(shapes=MUON_SHAPES)
    grads = grad_sequence(2 * 4, shapes=MUON_SHAPES)
    tp, to = _run(torch, "Muon", dict(lr=0.02), grads[:4], init)
    jp = make_params(jtorch, [np_of(p) for p in tp])
    jo = jtorch.optim.Muon(jp)
    jo.load_state_dict(to.state_dict())
    for gs in grads[4:]:
        for lib, ps, o in ((jtorch, jp, jo), (torch, tp, to)):
            set_grads(lib, ps, gs)
            o.step()
    assert_params_close(jp, tp)
    _assert_same_state(jo, to)


@pytest.mark.parametrize("kwargs", [dict(lr=-1.0), dict(momentum=-0.5), dict(weight_decay=-1.0),
                                    dict(adjust_lr_fn="other")])
def test_muon_validation(kwargs):
    _same_error(lambda: torch.optim.Muon([torch.zeros(2, 2, requires_grad=True)], **kwargs),
                lambda: jtorch.optim.Muon([jtorch.zeros(2, 2, requires_grad=True)], **kwargs))


def test_muon_rejects_non_2d_params():
    _same_error(lambda: torch.optim.Muon([torch.zeros(2, 2, requires_grad=True),
                                          torch.zeros(5, requires_grad=True)]),
                lambda: jtorch.optim.Muon([jtorch.zeros(2, 2, requires_grad=True),
                                           jtorch.zeros(5, requires_grad=True)]))


@pytest.mark.parametrize("kwargs", [dict(ns_steps=100), dict(ns_coefficients=(1.0, 2.0)),
                                    dict(ns_steps=100, ns_coefficients=(1.0, 2.0))])
def test_muon_step_errors(kwargs):
    def step(lib):
        p = lib.zeros(2, 3, requires_grad=True)
        p.grad = lib.ones(2, 3)
        lib.optim.Muon([p], **kwargs).step()
    _same_error(lambda: step(torch), lambda: step(jtorch))


def test_muon_step_errors_on_a_1d_group_param_and_complex():
    def step_1d(lib):
        p, q = lib.zeros(2, 3, requires_grad=True), lib.zeros(3, requires_grad=True)
        opt = lib.optim.Muon([p])
        opt.add_param_group({"params": [q]})
        q.grad = lib.ones(3)
        opt.step()

    def step_complex(lib):
        p = lib.zeros(2, 2, dtype=lib.complex64, requires_grad=True)
        p.grad = lib.ones(2, 2, dtype=lib.complex64)
        lib.optim.Muon([p]).step()
    _same_error(lambda: step_1d(torch), lambda: step_1d(jtorch))
    _same_error(lambda: step_complex(torch), lambda: step_complex(jtorch))


# ---- SparseAdam ---------------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs", [dict(lr=0.0), dict(eps=0.0), dict(betas=(1.0, 0.9)),
                                    dict(betas=(0.9, -0.1))])
def test_sparse_adam_validation(kwargs):
    _same_error(lambda: torch.optim.SparseAdam([torch.zeros(2, requires_grad=True)], **kwargs),
                lambda: jtorch.optim.SparseAdam([jtorch.zeros(2, requires_grad=True)], **kwargs))


def test_sparse_adam_complex_params():
    def make(lib):
        lib.optim.SparseAdam([{"params": [lib.zeros(2, requires_grad=True)]},
                              {"params": [lib.zeros(2, requires_grad=True),
                                          lib.zeros(2, dtype=lib.complex64, requires_grad=True)]}])
    _same_error(lambda: make(torch), lambda: make(jtorch))


def test_sparse_adam_dense_grad_and_state_dict():
    """A dense gradient raises torch's error (no state created); without gradients a step only
    runs the closure; the state_dict layout is torch's."""
    def make(lib):
        p = lib.zeros(3, 2, requires_grad=True)
        return p, lib.optim.SparseAdam([p], lr=0.01, betas=(0.8, 0.9), maximize=True)
    (jp, jo), (tp, to) = make(jtorch), make(torch)
    assert float(jo.step(lambda: jtorch.tensor(1.5))) == float(to.step(lambda: torch.tensor(1.5)))
    assert jo.state_dict() == to.state_dict()
    jp.grad, tp.grad = jtorch.ones(3, 2), torch.ones(3, 2)
    _same_error(to.step, jo.step)
    assert len(jo.state) == len(to.state) == 0


# ---- jtorch.compile -----------------------------------------------------------------------------

@pytest.mark.parametrize("name,kwargs", [("Adafactor", dict(lr=0.05, weight_decay=0.01)),
                                         ("Muon", dict(lr=0.02))])
def test_compiled_step_matches_eager(name, kwargs):
    """The same rule traced inside jtorch.compile (hyper-parameters as traced inputs)."""
    rng = np.random.default_rng(0)
    w0 = rng.standard_normal((3, 4)).astype(np.float32)
    data = [(rng.standard_normal((5, 4)).astype(np.float32),
             rng.standard_normal((5, 3)).astype(np.float32)) for _ in range(4)]

    def setup():
        w = jtorch.tensor(w0.copy(), requires_grad=True)
        opt = getattr(jtorch.optim, name)([w], **kwargs)

        def step(x, y):
            opt.zero_grad()
            loss = ((x @ w.t() - y) ** 2).mean()
            loss.backward()
            opt.step()
            return loss
        return w, opt, step
    we, oe, se = setup()
    wc, oc, sc = setup()
    sc = jtorch.compile(sc)
    for x, y in data:
        le = se(jtorch.tensor(x), jtorch.tensor(y))
        lc = sc(jtorch.tensor(x), jtorch.tensor(y))
        np.testing.assert_allclose(np_of(lc), np_of(le), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(np_of(wc), np_of(we), rtol=1e-5, atol=1e-6)
    _assert_same_state(oc, oe)


# ---- state on two devices -----------------------------------------------------------------------

DEVICES_SCRIPT = textwrap.dedent("""
    import jax
    import numpy as np
    import jtorch
    from jtorch import nn

    d0, d1 = jax.devices("cpu")[:2]

    def run(name, other):
        jtorch.manual_seed(0)
        m = nn.Sequential(nn.Linear(6, 8, bias=name != "Muon"), nn.ReLU(),
                          nn.Linear(8, 3, bias=name != "Muon"))
        if other:
            for p in m.parameters():
                p._a = jax.device_put(p._a, d1)  # NOTE: the "GPU" parameters
        opt = getattr(jtorch.optim, name)(m.parameters(), lr=0.05)
        rng = np.random.default_rng(0)
        for i in range(3):
            x = jtorch.tensor(rng.standard_normal((5, 6)).astype(np.float32))
            y = jtorch.tensor(rng.integers(0, 3, 5))
            if other:
                x._a, y._a = jax.device_put(x._a, d1), jax.device_put(y._a, d1)
            opt.zero_grad()
            nn.functional.cross_entropy(m(x), y).backward()
            opt.step()
        return [p.detach().numpy() for p in m.parameters()], opt.state[next(m.parameters())]

    for name in ("Adafactor", "Muon"):
        ref, ref_st = run(name, False)
        got, st = run(name, True)
        for a, b in zip(got, ref):
            assert np.allclose(a, b, atol=1e-6), (name, np.abs(a - b).max())
        assert list(st) == list(ref_st), (name, list(st), list(ref_st))
        for k, v in st.items():
            want = d0 if v.dim() == 0 else d1  # NOTE: `step` stays on the CPU, as torch's
            assert v._a.device == want, (name, k, v._a.device)
            assert np.allclose(v.numpy(), ref_st[k].numpy(), atol=1e-6), (name, k)
    print("OK")
""")


def test_state_beside_parameters_on_another_device():
    """Adafactor's CPU `step` beside parameters on another device (_base's shadow run)."""
    # NOTE: no shared compilation cache: executables built by a two-device client must not be
    # read back by the suite's one-device workers.
    run_on_two_cpu_devices(DEVICES_SCRIPT)
