"""State spread over two devices (torch keeps an optimizer's `step` on the CPU beside GPU
parameters): an eager optimizer step moves it for the call and back; a compiled step moves it
to the parameters' device for good. Inputs on two devices raise torch's RuntimeError.

Two JAX CPU devices stand in for cpu + cuda (XLA_FLAGS in a subprocess: the device count is fixed
when JAX starts)."""
import textwrap

from _harness import run_on_two_cpu_devices

SCRIPT = textwrap.dedent("""
    import jax
    import numpy as np
    import jtorch
    from jtorch import nn

    d0, d1 = jax.devices("cpu")[:2]

    def run(compiled, other):
        jtorch.manual_seed(0)
        m = nn.Sequential(nn.Linear(6, 8), nn.ReLU(), nn.Linear(8, 3))
        opt = jtorch.optim.Adam(m.parameters(), lr=0.05)
        dev = d1 if other else d0
        for p in m.parameters():
            p._a = jax.device_put(p._a, dev)  # NOTE: the "GPU" parameters
        rng = np.random.default_rng(0)
        data = [(jtorch.tensor(rng.standard_normal((5, 6)).astype(np.float32)),
                 jtorch.tensor(rng.integers(0, 3, 5))) for _ in range(4)]

        def step(x, y):
            opt.zero_grad()
            loss = nn.functional.cross_entropy(m(x), y)
            loss.backward()
            opt.step()
            return loss
        f = jtorch.compile(step) if compiled else step
        losses = []
        for x, y in data:
            x._a, y._a = jax.device_put(x._a, dev), jax.device_put(y._a, dev)
            losses.append(float(f(x, y)))
        st = opt.state[next(m.parameters())]
        return (losses, [p.detach().numpy() for p in m.parameters()], st["step"]._a.device,
                {p._a.device for p in m.parameters()}, float(st["step"]))

    ref = run(False, False)
    for compiled in (False, True):
        got = run(compiled, True)
        assert np.allclose(got[0], ref[0], atol=1e-6), (compiled, got[0], ref[0])
        for a, b in zip(got[1], ref[1]):
            assert np.allclose(a, b, atol=1e-6), compiled
        # NOTE: eager keeps `step` on its device (torch: the CPU); a compiled step moves it
        # to the parameters' device, as torch.compile creates it there (capturable).
        assert got[2] == (d1 if compiled else d0), ("step's device", compiled, got[2])
        assert got[3] == {d1}, ("parameters left their device", compiled, got[3])
        assert got[4] == 4.0, got[4]
    # inputs on two devices: torch's RuntimeError, not JAX's ValueError
    jtorch.manual_seed(0)
    lin = nn.Linear(6, 3)
    f = jtorch.compile(lambda a, b: (lin(a) * b).sum())
    a, b = jtorch.ones(2, 6), jtorch.ones(2, 3)
    f(a, b)
    f(a, b)
    b._a = jax.device_put(b._a, d1)
    try:
        f(a, b)
    except RuntimeError as e:
        assert "Expected all tensors to be on the same device" in str(e), str(e)
    else:
        raise AssertionError("no error for inputs on two devices")
    print("OK")
""")


def test_optimizer_step_state_on_another_device():
    run_on_two_cpu_devices(SCRIPT)
