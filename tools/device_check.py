"""GPU checks for a machine with CUDA jax and CUDA torch: `python tools/device_check.py [--prepare DIR]`.

`--prepare DIR` (run on a CPU machine): saves a scripted MLP (jit.save, StableHLO for cpu, cuda,
tpu) with inputs and expected outputs into DIR. Without it (run on the GPU machine): checks
placement, numerics against torch on cuda (both against a float64 NumPy reference), a compiled
training step against eager on cuda, loading DIR's artifact on the GPU, export on cuda, and saves a
GPU-made artifact to $OUT for the reverse check. Prints one line per check; exits 1 if any failed.
"""
import json
import os
import sys
import traceback
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

RESULTS = []
# NOTE: CHECK_DEVICE=cpu runs the same checks on the CPU (to try the script without a GPU).
DEV = os.environ.get("CHECK_DEVICE", "cuda")
WANT = "cpu" if DEV == "cpu" else "cuda:0"


def check(name):
    """Decorator: run a check, record ok/error and whatever dict it returns."""
    def deco(fn):
        try:
            info = fn() or {}
            ok = info.pop("ok", True)
        except Exception as e:  # noqa: BLE001 - a report, not control flow
            info, ok = {"error": f"{type(e).__name__}: {e}", "tb": traceback.format_exc()[-1500:]}, False
        RESULTS.append({"check": name, "ok": bool(ok), **info})
        print(f"[{'ok' if ok else 'FAIL'}] {name}: " +
              json.dumps({k: v for k, v in info.items() if k != 'tb'}, default=str), flush=True)
        if "tb" in info:
            print(info["tb"], flush=True)
        return fn
    return deco


def _mlp(lib):
    lib.manual_seed(0)
    return lib.nn.Sequential(lib.nn.Linear(20, 32), lib.nn.ReLU(), lib.nn.Linear(32, 5))


def prepare(d):
    import jtorch
    d = Path(d)
    d.mkdir(parents=True, exist_ok=True)
    m = _mlp(jtorch).eval()
    sm = jtorch.jit.script(m)
    xs = {f"x{b}": np.random.default_rng(b).standard_normal((b, 20)).astype(np.float32)
          for b in (3, 11)}
    with jtorch.no_grad():
        sm(jtorch.tensor(xs["x3"]))
        ys = {k.replace("x", "y"): m(jtorch.tensor(v)).numpy() for k, v in xs.items()}
    sm.save(str(d / "mlp_cpu.pt"))
    np.savez(d / "io.npz", **xs, **ys)
    print("prepared", sorted(p.name for p in d.iterdir()))


def main(prep_dir):
    import jax
    import torch

    import jtorch
    out = Path(os.environ.get("OUT", "/tmp/out"))
    out.mkdir(parents=True, exist_ok=True)

    @check("environment")
    def _():
        return {"jax": jax.__version__, "devices": [str(d) for d in jax.devices()],
                "torch": torch.__version__, "torch_cuda": torch.cuda.is_available(),
                "jtorch_cuda": jtorch.cuda.is_available(), "count": jtorch.cuda.device_count(), "ok": DEV == "cpu" or jtorch.cuda.is_available()}

    @check("placement")
    def _():
        t = jtorch.randn(8, 8)
        c = t.to(DEV)
        r = c @ c + 1
        m = _mlp(jtorch).to(DEV)
        y = m(jtorch.randn(4, 20, device=DEV))
        info = {"default": str(t.device), "default_jax": str(list(t._a.devices())),
                DEV: str(c.device), "cuda_jax": str(list(c._a.devices())),
                "op_result": str(r.device), "module_out": str(y.device),
                "param": str(next(m.parameters()).device),
                "zeros_on_default": str(list(jtorch.zeros(3)._a.devices()))}
        info["ok"] = (info["default"] == "cpu" and info[DEV] == WANT and
                      info["op_result"] == WANT and info["module_out"] == WANT)
        return info

    @check("CPU tensors on a GPU machine: numbers and view reads stay on the CPU")
    def _():
        import time
        from jtorch._ops import registry
        x = jtorch.randn(64, 64)  # NOTE: jtorch's default device (cpu); JAX's default is the GPU
        v = x[3:40]

        def per_call(f, n=2000):
            f()
            t0 = time.perf_counter()
            for _ in range(n):
                r = f()
            r._a.block_until_ready()
            return (time.perf_counter() - t0) / n * 1e6
        info = {"x*0.5_us": per_call(lambda: x * 0.5), "x+x_us": per_call(lambda: x + x),
                "view+x_us": per_call(lambda: v + 1.0),
                "scalar_devices": sorted({str(d) for k, a in registry._SCALARS.items()
                                          for d in a.devices()})}
        info["ok"] = info["x*0.5_us"] < 2 * info["x+x_us"] and \
            str(next(iter((x * 0.5)._a.devices()))) == str(next(iter(x._a.devices())))
        return info

    @check("eager training step on cuda copies nothing between host and device once warm")
    def _():
        import jax
        nn = jtorch.nn
        jtorch.manual_seed(0)
        m = nn.Sequential(nn.Linear(20, 32), nn.ReLU(), nn.Linear(32, 5)).to(DEV)
        opt = jtorch.optim.Adam(m.parameters(), lr=1e-2)
        x = jtorch.randn(16, 20, device=DEV)
        y = jtorch.randint(0, 5, (16,), device=DEV)

        def step():
            opt.zero_grad()
            loss = nn.functional.cross_entropy(m(x), y)
            loss.backward()
            opt.step()
            return loss
        for _ in range(3):
            step()
        with jax.transfer_guard("disallow"):
            for _ in range(2):
                loss = step()
        st = opt.state[next(m.parameters())]
        return {"loss": float(loss), "step_device": str(st["step"].device),
                "exp_avg_device": str(st["exp_avg"].device),
                "ok": str(st["step"].device) == "cpu"}

    @check("numerics vs torch cuda (max abs err vs float64 numpy)")
    def _():
        rng = np.random.default_rng(0)
        a = rng.standard_normal((512, 512)).astype(np.float32)
        b = rng.standard_normal((512, 512)).astype(np.float32)
        ref = a.astype(np.float64) @ b.astype(np.float64)
        jt = (jtorch.tensor(a, device=DEV) @ jtorch.tensor(b, device=DEV)).cpu().numpy()
        tt = (torch.tensor(a, device=DEV) @ torch.tensor(b, device=DEV)).cpu().numpy()
        x = rng.standard_normal((4, 3, 32, 32)).astype(np.float32)
        w = rng.standard_normal((8, 3, 3, 3)).astype(np.float32)
        jc = jtorch.nn.functional.conv2d(jtorch.tensor(x, device=DEV),
                                         jtorch.tensor(w, device=DEV), padding=1).cpu().numpy()
        tc = torch.nn.functional.conv2d(torch.tensor(x, device=DEV),
                                        torch.tensor(w, device=DEV), padding=1).cpu().numpy()
        tcpu = torch.nn.functional.conv2d(torch.tensor(x, dtype=torch.float64),
                                          torch.tensor(w, dtype=torch.float64), padding=1).numpy()
        s = rng.standard_normal((64, 1000)).astype(np.float32)
        js = jtorch.softmax(jtorch.tensor(s, device=DEV), -1).cpu().numpy()
        ts = torch.softmax(torch.tensor(s, device=DEV), -1).cpu().numpy()
        e = np.exp(s.astype(np.float64) - s.max(-1, keepdims=True))
        sref = e / e.sum(-1, keepdims=True)
        info = {"matmul_jtorch": float(np.abs(jt - ref).max()),
                "matmul_torch": float(np.abs(tt - ref).max()),
                "conv_jtorch": float(np.abs(jc - tcpu).max()),
                "conv_torch(tf32 default)": float(np.abs(tc - tcpu).max()),
                "softmax_jtorch": float(np.abs(js - sref).max()),
                "softmax_torch": float(np.abs(ts - sref).max())}
        info["ok"] = info["matmul_jtorch"] < 1e-3 and info["conv_jtorch"] < 1e-3
        return info

    @check("compiled training step == eager on cuda (MLP+Adam, CNN+BN+Dropout+SGD+StepLR)")
    def _():
        nn = jtorch.nn

        def make(kind):
            jtorch.manual_seed(0)
            if kind == "mlp":
                m = nn.Sequential(nn.Linear(20, 32), nn.ReLU(), nn.Linear(32, 5)).to(DEV)
                opt = jtorch.optim.Adam(m.parameters(), lr=1e-2)
                sch = None
            else:
                m = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(),
                                  nn.Dropout(0.3), nn.Flatten(), nn.Linear(8 * 8 * 8, 5)).to(DEV)
                opt = jtorch.optim.SGD(m.parameters(), lr=0.1, momentum=0.9)
                sch = jtorch.optim.lr_scheduler.StepLR(opt, 2, 0.5)

            def step(x, y):
                opt.zero_grad()
                loss = nn.functional.cross_entropy(m(x), y)
                loss.backward()
                opt.step()
                if sch is not None:
                    sch.step()
                return loss
            return m, step

        info = {}
        for kind, shape in (("mlp", (16, 20)), ("cnn", (6, 3, 8, 8))):
            rng = np.random.default_rng(1)
            xs = [jtorch.tensor(rng.standard_normal(shape).astype(np.float32), device=DEV)
                  for _ in range(4)]
            ys = [jtorch.tensor(rng.integers(0, 5, shape[0]), device=DEV) for _ in range(4)]
            me, se = make(kind)
            mc, sc = make(kind)
            sc = jtorch.compile(sc)
            le, lc = [], []
            for x, y in zip(xs, ys):
                jtorch.manual_seed(7 + len(le))
                le.append(float(se(x, y)))
                jtorch.manual_seed(7 + len(lc))
                lc.append(float(sc(x, y)))
            perr = max(float((a - b).abs().max()) for a, b in
                       zip(me.state_dict().values(), mc.state_dict().values()))
            devs = {str(p.device) for p in mc.state_dict().values()}
            info[kind] = {"loss_err": max(abs(a - b) for a, b in zip(le, lc)),
                          "param_err": perr, "devices": sorted(devs)}
        info["ok"] = all(v["loss_err"] < 1e-4 and v["param_err"] < 1e-4 and v["devices"] ==
                         [WANT] for v in info.values())
        return info

    @check("jit.load of a CPU-saved artifact, run on cuda (batch 3 and 11)")
    def _():
        io = np.load(Path(prep_dir) / "io.npz")
        m = jtorch.jit.load(str(Path(prep_dir) / "mlp_cpu.pt"), map_location=DEV)
        info = {}
        for b in (3, 11):
            y = m(jtorch.tensor(io[f"x{b}"], device=DEV))
            info[f"b{b}"] = {"err": float(np.abs(y.cpu().numpy() - io[f"y{b}"]).max()),
                             "device": str(y.device)}
        m2 = jtorch.jit.load(str(Path(prep_dir) / "mlp_cpu.pt"))
        y2 = m2(jtorch.tensor(io["x3"]))
        info["no_map_location"] = {"device": str(y2.device),
                                   "err": float(np.abs(y2.cpu().numpy() - io["y3"]).max())}
        info["ok"] = all(v["err"] < 1e-5 for v in info.values()) and \
            info["b3"]["device"] == WANT
        return info

    @check("jit.save on cuda -> $OUT/mlp_gpu.pt; torch.export on cuda")
    def _():
        m = _mlp(jtorch).to(DEV).eval()
        x = jtorch.tensor(np.random.default_rng(5).standard_normal((7, 20)).astype(np.float32),
                          device=DEV)
        sm = jtorch.jit.script(m)
        with jtorch.no_grad():
            y = sm(x)
        sm.save(str(out / "mlp_gpu.pt"))
        np.savez(out / "mlp_gpu_io.npz", x=x.cpu().numpy(), y=y.cpu().numpy())
        ep = jtorch.export.export(m, (x,))
        ye = ep.module()(x)
        return {"script_device": str(y.device), "export_device": str(ye.device),
                "export_err": float((ye - y).abs().max()),
                "ok": str(ye.device) == WANT and float((ye - y).abs().max()) < 1e-5}

    (out / "device_check.json").write_text(json.dumps(RESULTS, indent=1, default=str))
    return 0 if all(r["ok"] for r in RESULTS) else 1


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--prepare":
        prepare(sys.argv[2])
    else:
        sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else ".devcheck"))
