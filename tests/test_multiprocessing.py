"""torch.multiprocessing: API surface vs torch, spawn's failure reporting, and a shimmed spawn run.

NOTE: real torch is imported only inside the in-process tests (never where the shim is
installed); the shimmed script runs in a subprocess.
"""
import os
import pickle
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import pytest

import jtorch
import jtorch.multiprocessing as jmp
from jtorch.multiprocessing import _children

ROOT = Path(__file__).resolve().parents[1]


def test_api_surface_matches_torch():
    import torch.multiprocessing as tmp

    assert jmp.__all__ == tmp.__all__
    public = {n for n in dir(tmp) if not n.startswith("_")} - {"torch", "reductions", "init_reductions"}
    assert public <= set(dir(jmp)), public - set(dir(jmp))
    for name in ("Process", "Queue", "Pool", "get_context", "set_start_method", "cpu_count"):
        assert getattr(jmp, name) is getattr(tmp, name)
    assert jmp.get_sharing_strategy() == tmp.get_sharing_strategy()
    assert jmp.get_all_sharing_strategies() == tmp.get_all_sharing_strategies()
    assert jmp.ENV_VAR_PARALLEL_START == tmp.ENV_VAR_PARALLEL_START
    with pytest.raises(AssertionError) as want:
        tmp.set_sharing_strategy("nope")
    with pytest.raises(AssertionError) as got:
        jmp.set_sharing_strategy("nope")
    assert str(got.value) == str(want.value)
    jmp.set_sharing_strategy("file_system")
    try:
        assert jmp.get_sharing_strategy() == "file_system"
    finally:
        jmp.set_sharing_strategy("file_descriptor")


def test_exceptions_match_torch_and_pickle():
    import torch.multiprocessing as tmp

    for cls in ("ProcessRaisedException", "ProcessExitedException"):
        assert getattr(jmp, cls).__mro__[1].__name__ == getattr(tmp, cls).__mro__[1].__name__
    e = jmp.ProcessExitedException("process 0 terminated with signal SIGKILL", 0, 123, -9, "SIGKILL")
    back = pickle.loads(pickle.dumps(e))
    assert (back.msg, back.error_index, back.error_pid, back.exit_code, back.signal_name) == \
           ("process 0 terminated with signal SIGKILL", 0, 123, -9, "SIGKILL")
    r = pickle.loads(pickle.dumps(jmp.ProcessRaisedException("m", 1, 2)))
    assert (str(r), r.error_index, r.error_pid) == ("m", 1, 2)
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        jmp.SpawnContext([], [])
    assert "SpawnContext is renamed to ProcessContext" in str(rec[0].message)


def _exits(i, code):
    sys.exit(code)


def _raises(i):
    raise KeyError(f"bad {i}")


def _record(i, path):
    with open(f"{path}.{i}", "w") as fh:
        fh.write(str(i))


def _failure(mp, fn, args, nprocs=1):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # NOTE: JAX warns that fork is unsafe; these children exit at once
        try:
            mp.start_processes(fn, args=args, nprocs=nprocs, start_method="fork")
        except Exception as e:  # noqa: BLE001 - compared with torch's below
            return e
    return None


def test_start_processes_failures_match_torch(tmp_path):
    """fork children (cheap: nothing to import) exit with a code or raise, in jtorch and torch."""
    import torch.multiprocessing as tmp

    got, want = _failure(jmp, _exits, (3,)), _failure(tmp, _exits, (3,))
    assert type(got).__name__ == type(want).__name__ == "ProcessExitedException"
    assert (str(got), got.exit_code, got.error_index, got.signal_name) == \
           (str(want), want.exit_code, want.error_index, want.signal_name)
    got, want = _failure(jmp, _raises, (), 2), _failure(tmp, _raises, (), 2)
    assert isinstance(got, jmp.ProcessRaisedException)
    g, w = str(got).strip().splitlines(), str(want).strip().splitlines()
    assert g[0] == f"-- Process {got.error_index} terminated with the following error:"
    assert g[-1] == f"KeyError: 'bad {got.error_index}'"
    assert w[0].startswith("-- Process ") and w[-1].startswith("KeyError: 'bad ")
    assert _failure(jmp, _record, (str(tmp_path / "f"),), 2) is None
    assert sorted(p.read_text() for p in tmp_path.iterdir()) == ["0", "1"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ctx = jmp.start_processes(_record, args=(str(tmp_path / "g"),), nprocs=1, join=False,
                                  start_method="fork")
    while not ctx.join():
        pass
    assert len(ctx.pids()) == 1 and (tmp_path / "g.0").read_text() == "0"


def test_spawn_warns_and_always_uses_spawn(monkeypatch):
    import torch.multiprocessing as tmp

    module = sys.modules["jtorch.multiprocessing.spawn"]
    calls = []
    monkeypatch.setattr(module, "start_processes", lambda *a, **k: calls.append((a, k)) or "ctx")
    with pytest.warns(FutureWarning) as rec:
        assert jmp.spawn(_record, args=(1,), nprocs=3, join=False, start_method="fork") == "ctx"
    assert calls == [((_record, (1,), 3, False, False), {"start_method": "spawn"})]
    tmod = sys.modules["torch.multiprocessing.spawn"]
    monkeypatch.setattr(tmod, "start_processes", lambda *a, **k: None)
    with pytest.warns(FutureWarning) as trec:
        tmp.spawn(_record, args=(1,), nprocs=3, join=False, start_method="fork")
    assert str(rec[0].message) == str(trec[0].message)


def test_child_command_line_installs_the_shim(monkeypatch):
    """Spawned children of a shimmed parent install the shim before re-running the main script."""
    import multiprocessing.spawn as mp_spawn

    assert getattr(mp_spawn.get_command_line, "_jtorch_shim_wrapper", False)
    monkeypatch.setattr(_children, "shim_file", lambda: None)
    plain = mp_spawn.get_command_line(pipe_handle=7)
    assert plain == mp_spawn.get_command_line.__wrapped__(pipe_handle=7)
    monkeypatch.setattr(_children, "shim_file", lambda: str(ROOT / "jtorch" / "_shim.py"))
    cmd = mp_spawn.get_command_line(pipe_handle=7)
    prog = cmd[cmd.index("-c") + 1]
    assert prog.endswith("spawn_main(pipe_handle=7)") and prog != plain[plain.index("-c") + 1]
    # NOTE: run the prefix alone: `torch` must resolve to jtorch without jtorch on the path as
    # `torch` (PYTHONPATH has only the repo root; real torch is installed in this venv).
    probe = prog.replace("from multiprocessing.spawn import spawn_main; spawn_main(pipe_handle=7)",
                         "import importlib.util as u; print(u.find_spec('torch').origin); "
                         "print('jtorch' in sys.modules)")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    out = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True,
                         timeout=120, cwd=str(ROOT))
    assert out.stdout.split() == ["alias", "of", "jtorch", "False"], out.stderr


SCRIPT = textwrap.dedent("""
    import torch
    import torch.multiprocessing as mp


    def work(i, q, t):
        q.put((i, (t * (i + 1)).tolist(), str(t.dtype), type(t).__name__))
        if i == 1:
            raise ValueError(f"boom {i}")


    if __name__ == "__main__":
        q = mp.get_context("spawn").Queue()
        t = torch.arange(4, dtype=torch.int32).reshape(2, 2)
        pc = mp.spawn(work, args=(q, t), nprocs=2, join=False)
        print(type(pc).__name__, len(pc.pids()))
        for row in sorted(q.get(timeout=300) for _ in range(2)):
            print(row)
        try:
            while not pc.join():
                pass
        except mp.ProcessRaisedException as e:
            lines = str(e).strip().splitlines()
            print(type(e).__name__, e.error_index, lines[0], lines[-1])
        print("done", torch.__name__)
""")

# NOTE: what real torch 2.13 prints for SCRIPT (its last line says "torch" instead of "jtorch");
# running the oracle too would double this test's ~25 s of process start-up.
EXPECTED = """\
ProcessContext 2
(0, [[0, 1], [2, 3]], 'torch.int32', 'Tensor')
(1, [[0, 2], [4, 6]], 'torch.int32', 'Tensor')
ProcessRaisedException 1 -- Process 1 terminated with the following error: ValueError: boom 1
done jtorch
"""


@pytest.mark.shim
def test_shimmed_script_spawns_two_processes(tmp_path):
    script = tmp_path / "mp_spawn_script.py"
    script.write_text(SCRIPT)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT / "compat"), str(ROOT)]))
    proc = subprocess.run([sys.executable, str(script)], cwd=str(tmp_path), env=env,
                          capture_output=True, text=True, timeout=600, stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == EXPECTED, proc.stderr


def test_tensors_pickle_intact_for_queues():
    """What a Queue does to a jtorch tensor (ForkingPickler round trip)."""
    from multiprocessing.reduction import ForkingPickler

    t = jtorch.arange(6, dtype=jtorch.float64).reshape(2, 3)[:, 1]
    p = jtorch.nn.Parameter(jtorch.ones(2))
    back, pback = pickle.loads(ForkingPickler.dumps(t)), pickle.loads(ForkingPickler.dumps(p))
    assert back.tolist() == [1.0, 4.0] and back.dtype == jtorch.float64
    assert isinstance(pback, jtorch.nn.Parameter) and pback.requires_grad
