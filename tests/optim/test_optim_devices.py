"""Optimizers whose scalar state (`step`, NAdam's `mu_product`, ASGD's `eta`/`mu`) lies on the
CPU beside parameters on another device (torch's placement beside GPU parameters): the step gives
the one-device results, keeps the state where it was, never copies it back device->host, and
once warm copies nothing between host and devices at all.

Two JAX CPU devices stand in for cpu + cuda (XLA_FLAGS in a subprocess)."""
import textwrap

from _harness import run_on_two_cpu_devices

SCRIPT = textwrap.dedent("""
    import jax
    import numpy as np
    import jtorch
    from jtorch import _device as DEV
    from jtorch import nn

    d0, d1 = jax.devices("cpu")[:2]
    back = []
    scatter = DEV.scatter
    DEV.scatter = lambda arrays, moves: (back.extend(moves), scatter(arrays, moves))[1]
    O = jtorch.optim
    makers = {"Adam": lambda ps: O.Adam(ps, lr=0.05), "AdamW-ams": lambda ps: O.AdamW(
                  ps, lr=0.05, amsgrad=True), "NAdam": lambda ps: O.NAdam(ps, lr=0.05),
              "RAdam": lambda ps: O.RAdam(ps, lr=0.05), "Adamax": lambda ps: O.Adamax(ps),
              "Adagrad": lambda ps: O.Adagrad(ps, lr_decay=0.1), "ASGD": lambda ps: O.ASGD(
                  ps, lr=0.05, t0=1), "Rprop": lambda ps: O.Rprop(ps),
              "SGD-momentum": lambda ps: O.SGD(ps, lr=0.05, momentum=0.9),
              "RMSprop": lambda ps: O.RMSprop(ps, lr=0.01, centered=True)}

    def run(make, other):
        jtorch.manual_seed(0)
        m = nn.Sequential(nn.Linear(6, 8), nn.ReLU(), nn.Linear(8, 3))
        if other:
            for p in m.parameters():
                p._a = jax.device_put(p._a, d1)  # NOTE: the "GPU" parameters
        opt = make(list(m.parameters()))
        rng = np.random.default_rng(0)
        data = []
        for _ in range(4):
            x = jtorch.tensor(rng.standard_normal((5, 6)).astype(np.float32))
            y = jtorch.tensor(rng.integers(0, 3, 5))
            if other:
                x._a, y._a = jax.device_put(x._a, d1), jax.device_put(y._a, d1)
            data.append((x, y))
        for i, (x, y) in enumerate(data):
            if i == 2:  # NOTE: a user's new `step` must reach the update (not a stale mirror)
                for s in opt.state.values():
                    for k in ("step", "mu_product"):
                        if k in s:
                            s[k] = jtorch.tensor(10.0)
            # NOTE: a warm step copies nothing between host and devices
            guard = jax.transfer_guard("disallow" if other and i in (1, 3) else "allow")
            with guard:
                opt.zero_grad()
                nn.functional.cross_entropy(m(x), y).backward()
                opt.step()
        st = opt.state[next(m.parameters())]
        return [p.detach().numpy() for p in m.parameters()], st

    for name, make in makers.items():
        ref, ref_st = run(make, False)
        got, st = run(make, True)
        for a, b in zip(got, ref):
            assert np.allclose(a, b, atol=1e-6), (name, np.abs(a - b).max())
        assert set(st) == set(ref_st), (name, set(st), set(ref_st))
        for k, v in st.items():
            want = d0 if v.dim() == 0 else d1
            assert v._a.device == want, (name, k, v._a.device)
            assert np.allclose(v.numpy(), ref_st[k].numpy(), atol=1e-6), (name, k)
        assert not back, (name, "state copied back", back)
    print("OK")
""")


def test_scalar_state_stays_on_cpu_beside_parameters_on_another_device():
    run_on_two_cpu_devices(SCRIPT)
