"""jtorch.load's safety: weights_only allow-list, add_safe_globals, hostile and fuzzed files.
Every refused checkpoint must raise an ordinary exception and execute nothing."""
import collections
import io
import os
import pickle
import zipfile

import numpy as np
import pytest
import torch

import jtorch
from jtorch import serialization as S
from _serialization_helpers import _exact, _jl, _jt_bytes, _same_raise, _t_bytes, _tl, _zip_with


# ---- weights_only and hostile inputs -----------------------------------------------------------

class Evil:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


class Point:
    def __init__(self, x):
        self.x = x


@pytest.mark.filterwarnings("ignore:Detected pickle protocol 4")
@pytest.mark.parametrize("protocol", [2, 4])
def test_os_system_pickle_is_refused_and_not_run(tmp_path, protocol):
    marker = tmp_path / "pwned"
    b = _zip_with({"data.pkl": pickle.dumps(Evil(marker), protocol=protocol)})
    _same_raise(lambda: _jl(b), lambda: _tl(b), contains=("posix.system",))
    _same_raise(lambda: _jl(b, weights_only=True), lambda: _tl(b, weights_only=True))
    assert not marker.exists()
    # the same hostile object inside a jtorch checkpoint
    c = _jt_bytes({"w": jtorch.ones(2), "x": Evil(marker)})
    with pytest.raises(pickle.UnpicklingError, match="system"):
        _jl(c)
    assert not marker.exists()
    assert "posix.system" in S.get_unsafe_globals_in_checkpoint(io.BytesIO(c))


def test_weights_only_false_restores_arbitrary_objects(tmp_path):
    b = _jt_bytes({"p": Point(jtorch.ones(2)), "blob": b"\x00\x01"})
    with pytest.raises(pickle.UnpicklingError, match="Point"):
        _jl(b)
    got = _jl(b, weights_only=False)
    assert isinstance(got["p"], Point) and got["p"].x.tolist() == [1.0, 1.0]
    assert got["blob"] == b"\x00\x01"
    lin = jtorch.nn.Linear(2, 3)
    whole = _jl(_jt_bytes(lin), weights_only=False)
    assert type(whole) is jtorch.nn.Linear
    assert whole.weight.tolist() == lin.weight.tolist()
    x = jtorch.ones(1, 2)
    assert whole(x).tolist() == lin(x).tolist()
    tlin = torch.nn.Linear(2, 3)                 # a whole module pickled by real torch
    from_torch = _jl(_t_bytes(tlin), weights_only=False)
    assert type(from_torch) is jtorch.nn.Linear
    _exact(from_torch.weight, tlin.weight)
    with torch.no_grad():
        want = tlin(torch.ones(1, 2))
    assert np.allclose(from_torch(x).detach().numpy(), want.numpy(), atol=1e-6)


def test_safe_globals_allowlist():
    b = _jt_bytes([Point(3)])
    name = f"{Point.__module__}.Point"
    with pytest.raises(pickle.UnpicklingError, match=name):
        _jl(b)
    with S.safe_globals([Point]):
        assert _jl(b)[0].x == 3
        assert Point in S.get_safe_globals()
    assert Point not in S.get_safe_globals()
    with pytest.raises(pickle.UnpicklingError):
        _jl(b)
    S.add_safe_globals([(Point, name)])
    try:
        assert _jl(b)[0].x == 3
    finally:
        S.clear_safe_globals()
    assert S.get_safe_globals() == []
    tb = _t_bytes(torch.nn.Linear(2, 3))        # a whole torch module, allow-listed by class
    _same_raise(lambda: _jl(tb), lambda: _tl(tb), contains=("torch.nn.modules.linear.Linear",))
    with S.safe_globals([jtorch.nn.Linear]), torch.serialization.safe_globals([torch.nn.Linear]):
        jm, tm = _jl(tb), _tl(tb)
    assert type(jm) is jtorch.nn.Linear
    _exact(jm.weight, tm.weight)
    S.add_safe_globals([os.system])             # a blocked module stays blocked
    try:
        with pytest.raises(pickle.UnpicklingError, match="blocked"):
            _jl(_zip_with({"data.pkl": pickle.dumps(Evil("/nonexistent/x"), protocol=2)}))
    finally:
        S.clear_safe_globals()


def test_hostile_files(tmp_path):
    good = _jt_bytes({"w": jtorch.ones(64)})
    cases = {
        "truncated": good[: len(good) // 2],
        "corrupt_directory": good[:-30] + b"\xff" * 30,
        "wrong_magic": b"\x00\x01garbage that is not a zip at all" * 4,
        "no_data_pkl": _zip_with({"data/0": b"\x00" * 8}),
        "empty": b"",
    }
    for name, blob in cases.items():
        p = tmp_path / f"{name}.pt"
        p.write_bytes(blob)
        _same_raise(lambda: jtorch.load(p), lambda: torch.load(p))
    _same_raise(lambda: jtorch.load(tmp_path / "missing.pt"),
                      lambda: torch.load(tmp_path / "missing.pt"))
    # flipped bytes inside data.pkl: the CRC check catches it
    bad = bytearray(good)
    i = bad.index(b"_rebuild_tensor_v2")
    bad[i:i + 4] = b"XXXX"
    with pytest.raises(RuntimeError, match="CRC|data.pkl"):
        _jl(bytes(bad))


def test_layout_out_of_bounds_is_refused():
    good = _jt_bytes(jtorch.ones(4))
    z = zipfile.ZipFile(io.BytesIO(good))
    pkl = z.read("archive/data.pkl")
    # a size of 100 elements over a 4-element storage must not read past the buffer
    assert pkl.count(b"K\x04\x85") == 1
    evil = _zip_with({"data.pkl": pkl.replace(b"K\x04\x85", b"Kd\x85"),
                      "data/0": z.read("archive/data/0")})
    with pytest.raises(RuntimeError, match="out of bounds"):
        _jl(evil)
    short = _zip_with({"data.pkl": pkl, "data/0": b"\x00" * 4})
    with pytest.raises(RuntimeError, match="holds 4 bytes"):
        _jl(short)


def test_legacy_format_is_a_clear_error():
    b = _t_bytes(torch.ones(2), _use_new_zipfile_serialization=False)
    with pytest.raises(RuntimeError, match="legacy"):
        _jl(b)
    with pytest.raises(NotImplementedError, match="legacy"):
        jtorch.save(jtorch.ones(1), io.BytesIO(), _use_new_zipfile_serialization=False)


def test_get_unsafe_globals_matches_torch():
    b = _jt_bytes({"p": Point(1), "w": jtorch.ones(1), "m": collections.Counter("ab")})
    assert S.get_unsafe_globals_in_checkpoint(io.BytesIO(b)) == \
        torch.serialization.get_unsafe_globals_in_checkpoint(io.BytesIO(b))
    assert S.get_unsafe_globals_in_checkpoint(io.BytesIO(b)) == [f"{__name__}.Point"]


def test_fuzzed_checkpoints_fail_cleanly(tmp_path):
    """Random byte edits of data.pkl and of the whole file: each load returns or raises an
    ordinary exception (no crash, no hang), and nothing outside the allow-list runs."""
    import random
    x = jtorch.arange(12.0).reshape(3, 4)
    obj = {"x": x, "v": x[1:, ::2], "od": collections.OrderedDict(a=1, b=[1.5, "s", (2, 3)]),
           "p": jtorch.nn.Parameter(jtorch.ones(2))}
    good = _jt_bytes(obj)
    z = zipfile.ZipFile(io.BytesIO(good))
    recs = {n.split("/", 1)[1]: z.read(n) for n in z.namelist()}
    rng = random.Random(0)
    outcomes = collections.Counter()
    for _ in range(150):
        p = bytearray(recs["data.pkl"])
        for _ in range(rng.randint(1, 4)):
            j = rng.randrange(len(p))
            if rng.random() < 0.7:
                p[j] = rng.randrange(256)
            else:
                del p[j:j + rng.randint(1, 8)]
        g = bytearray(good)
        g[rng.randrange(len(g))] = rng.randrange(256)
        for blob in (_zip_with({**recs, "data.pkl": bytes(p)}), bytes(g[:rng.randint(0, len(g))])):
            try:
                _jl(blob)
                outcomes["loaded"] += 1
            except Exception as e:  # noqa: BLE001 - any ordinary exception is a clean failure
                outcomes[type(e).__name__] += 1
    assert outcomes["UnpicklingError"] > 50 and outcomes["RuntimeError"] > 50, outcomes


def test_weights_only_switches_match_torch(monkeypatch):
    b = _jt_bytes([Point(1)])
    _same_raise(lambda: _jl(b, pickle_module=pickle, weights_only=True),
                lambda: _tl(b, pickle_module=pickle, weights_only=True))
    assert _jl(b, pickle_module=pickle)[0].x == 1          # an explicit pickle_module: full load
    monkeypatch.setenv("TORCH_FORCE_WEIGHTS_ONLY_LOAD", "1")
    _same_raise(lambda: _jl(b, weights_only=False), lambda: _tl(b, weights_only=False))
    monkeypatch.setenv("TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD", "1")
    _same_raise(lambda: _jl(b), lambda: _tl(b))             # both set: an error
    monkeypatch.delenv("TORCH_FORCE_WEIGHTS_ONLY_LOAD")
    with pytest.warns(UserWarning):
        assert _tl(b)[0].x == 1
    with pytest.warns(UserWarning, match="TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD"):
        assert _jl(b)[0].x == 1                              # forced off when not passed
