"""torch's device rule for one op's operands: a 0-d CPU tensor joins a tensor on another device;
two devices among non-scalar operands raise RuntimeError naming both.

Two JAX CPU devices stand in for cpu + cuda (XLA_FLAGS in a subprocess: the device count is fixed
when JAX starts)."""
import textwrap

from _harness import run_on_two_cpu_devices

SCRIPT = textwrap.dedent("""
    import jax
    import numpy as np
    import jtorch

    d0, d1 = jax.devices("cpu")[:2]
    x = jtorch.arange(3.0)
    x._a = jax.device_put(x._a, d1)
    s = jtorch.tensor(2.0)  # a 0-d tensor on d0
    ok = {"mul": lambda: x * s, "rmul": lambda: s * x, "where": lambda: jtorch.where(x > 0, x, s),
          "add_": lambda: x.clone().add_(s), "index": lambda: x[s.long()],
          "reduce_mul": lambda: x.sum() * s}
    want = {"mul": [0, 2, 4], "rmul": [0, 2, 4], "where": [2, 1, 2], "add_": [2, 3, 4],
            "index": 2.0, "reduce_mul": 6.0}
    for k, f in ok.items():
        r = f()
        assert r._a.device == d1, (k, r._a.device)
        assert np.allclose(r.numpy(), want[k]), (k, r.numpy())
    for k, f in {"cat": lambda: jtorch.cat([x, jtorch.zeros(2)]),
                 "add": lambda: x + jtorch.zeros(3)}.items():
        try:
            f()
        except RuntimeError as e:
            assert "Expected all tensors to be on the same device" in str(e), str(e)
        else:
            raise AssertionError(k + " did not raise")
    # Python numbers in an op become device scalars beside its tensors (not JAX's default
    # device: a copy in every call), for ops and for reads of views
    from jtorch._ops import registry
    registry._SCALARS.clear()
    assert np.allclose((x * 0.25).numpy(), [0, 0.25, 0.5]) and x[1:3].sum().item() == 3.0
    devs = [k[-1].device_set for k in registry._SCALARS if isinstance(k[-1], jax.sharding.Sharding)]
    assert {d1} in devs and {d0} not in devs, devs
    print("OK")
""")


def test_cpu_scalar_joins_other_device_else_runtime_error():
    run_on_two_cpu_devices(SCRIPT)
