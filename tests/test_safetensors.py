"""safetensors interop (jtorch._safetensors): files shared with safetensors.torch both ways."""
import pytest
import torch
from safetensors import SafetensorError
from safetensors import torch as st

import jtorch
from jtorch import _safetensors as S
from _harness import DTYPE_NAMES, jt_to_numpy, make_array, pair, t_to_numpy

NAMES = [n for n in DTYPE_NAMES if n != "complex128"]  # safetensors has no complex128


def _exact(jt, t):
    assert isinstance(jt, jtorch.Tensor) and isinstance(t, torch.Tensor)
    assert tuple(jt.shape) == tuple(t.shape) and str(jt.dtype) == str(t.dtype)
    assert jt_to_numpy(jt).tobytes() == t_to_numpy(t).tobytes()


def _pairs():
    js, ts = {}, {}
    for i, n in enumerate(NAMES):
        js[n], ts[n] = pair(make_array((2, 3), n, seed=i), n)
    js["empty"], ts["empty"] = pair(make_array((0, 4)))
    js["scalar"], ts["scalar"] = pair(make_array(()))
    return js, ts


def test_jtorch_file_loads_in_safetensors_torch(tmp_path):
    js, ts = _pairs()
    S.save_file(js, tmp_path / "j.safetensors", metadata={"format": "pt"})
    got = st.load_file(tmp_path / "j.safetensors")
    assert sorted(got) == sorted(ts)
    for k in ts:
        _exact(js[k], got[k])
    with st.safe_open(tmp_path / "j.safetensors", framework="pt") as f:
        assert f.metadata() == {"format": "pt"}


def test_safetensors_torch_file_loads_in_jtorch(tmp_path):
    js, ts = _pairs()
    st.save_file(ts, tmp_path / "t.safetensors")
    got = S.load_file(tmp_path / "t.safetensors")
    assert list(got) == list(st.load_file(tmp_path / "t.safetensors"))   # same key order
    for k in ts:
        _exact(got[k], ts[k])
    assert all(v.device == jtorch.device("cpu") for v in got.values())
    got2 = jtorch.load(tmp_path / "t.safetensors", map_location="cpu")     # torch.load dispatch
    for k in ts:
        _exact(got2[k], ts[k])


def test_bytes_api_both_ways():
    js, ts = _pairs()
    for k, v in st.load(S.save(js)).items():
        _exact(js[k], v)
    for k, v in S.load(st.save(ts)).items():
        _exact(v, ts[k])


def test_errors_match_safetensors_torch(tmp_path):
    jx, tx = pair(make_array((4,)))
    with pytest.raises(RuntimeError, match="share memory"):
        st.save_file({"a": tx, "b": tx[1:]}, tmp_path / "x.safetensors")
    with pytest.raises(RuntimeError, match="share memory"):
        S.save_file({"a": jx, "b": jx[1:]}, tmp_path / "x.safetensors")
    with pytest.raises(ValueError, match="complex128"):
        S.save_file({"c": jtorch.zeros(2, dtype=jtorch.complex128)}, tmp_path / "c.safetensors")
    with pytest.raises(ValueError):
        S.save_file({"a": [1, 2]}, tmp_path / "l.safetensors")
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{not json}")
    with pytest.raises(SafetensorError):
        st.load_file(bad)
    with pytest.raises(SafetensorError):
        S.load_file(bad)
    with pytest.raises(FileNotFoundError):
        S.load_file(tmp_path / "missing.safetensors")


def test_hugging_face_style_weights_into_a_module(tmp_path):
    tm = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Linear(4, 2))
    st.save_model(tm, tmp_path / "model.safetensors")
    jm = jtorch.nn.Sequential(jtorch.nn.Linear(3, 4), jtorch.nn.Linear(4, 2))
    missing, unexpected = S.load_model(jm, tmp_path / "model.safetensors")
    assert missing == [] and unexpected == []
    x, tx = pair(make_array((5, 3)))
    with torch.no_grad():
        want = tm(tx)
    got = jm(x)
    assert abs(jt_to_numpy(got.detach()) - t_to_numpy(want)).max() < 1e-5
    S.save_model(jm, tmp_path / "back.safetensors")
    tm2 = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Linear(4, 2))
    st.load_model(tm2, tmp_path / "back.safetensors")
    for k, v in tm2.state_dict().items():
        assert torch.equal(v, tm.state_dict()[k])
