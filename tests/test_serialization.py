"""jtorch.save / jtorch.load: PyTorch's zip checkpoint format, against real torch both ways.
(Hostile inputs and weights_only: test_serialization_hostile.py.)"""
import collections
import copy
import io
import os
import pickle
import zipfile

import numpy as np
import pytest
import torch

import jtorch
from jtorch._serialization import _pickler
from jtorch._serialization._zip import ZipWriter
from _harness import DTYPE_NAMES, assert_same_raise, jdt, make_array, pair
from _serialization_helpers import _exact, _jl, _jt_bytes, _t_bytes, _tl, _zip_with


# ---- dtypes, both directions ------------------------------------------------------------

ALL_DTYPES = DTYPE_NAMES + ["uint16", "uint32", "uint64"]


@pytest.mark.parametrize("name", ALL_DTYPES)
def test_dtypes_roundtrip_both_ways(name):
    arr = make_array((2, 3), name if not name.startswith("uint") or name == "uint8" else "uint8")
    if name in ("uint16", "uint32", "uint64"):
        arr = arr.astype(name)
        jt = jtorch.tensor(arr, dtype=jdt(name))
        t = torch.from_numpy(arr.copy())
    else:
        jt, t = pair(arr, name)
    # jtorch -> torch (weights_only=True: torch's allow-list accepts jtorch's file)
    _exact(jt, _tl(_jt_bytes(jt), weights_only=True))
    # torch -> jtorch
    _exact(_jl(_t_bytes(t)), t)
    # jtorch -> jtorch
    _exact(_jl(_jt_bytes(jt)), t)


def test_special_float_values_and_scalars_0d():
    a = np.array([np.nan, np.inf, -np.inf, -0.0, 1e-40], np.float32)
    jt, t = pair(a)
    _exact(_jl(_jt_bytes(jt)), t)
    _exact(_tl(_jt_bytes(jt)), jt)
    jt0, t0 = pair(np.float64(3.5))
    _exact(_jl(_t_bytes(t0)), t0)
    _exact(_tl(_jt_bytes(jt0)), jt0)
    jte, te = pair(np.zeros((0, 3), np.int64))
    _exact(_jl(_t_bytes(te)), te)
    _exact(_tl(_jt_bytes(jte)), jte)


def test_requires_grad_both_ways():
    jt, t = pair(make_array((3,)), requires_grad=True)
    got = _jl(_jt_bytes(jt))
    assert got.requires_grad and got.is_leaf
    _exact(_tl(_jt_bytes(jt)), t)
    _exact(_jl(_t_bytes(t)), t)


# ---- file layout --------------------------------------------------------------------------

def test_archive_layout_matches_torch(tmp_path):
    jt, t = pair(make_array((4, 5)))
    p_j, p_t = tmp_path / "model.pt", tmp_path / "ref.pt"
    jtorch.save({"w": jt}, p_j)
    torch.save({"w": t}, p_t)
    zj, zt = zipfile.ZipFile(p_j), zipfile.ZipFile(p_t)
    names_j = [n.split("/", 1)[1] for n in zj.namelist()]
    names_t = [n.split("/", 1)[1] for n in zt.namelist()]
    assert names_j == names_t
    assert zj.namelist()[0] == "model/data.pkl"
    assert zj.testzip() is None
    for key in ("byteorder", "version", ".format_version", ".storage_alignment"):
        assert zj.read(f"model/{key}") == zt.read(f"ref/{key}")
    raw = p_j.read_bytes()
    for info in zj.infolist():
        assert info.compress_type == zipfile.ZIP_STORED
        n, m = np.frombuffer(raw[info.header_offset + 26: info.header_offset + 30], "<u2")
        assert (info.header_offset + 30 + n + m) % 64 == 0, info.filename


# ---- views sharing one storage ---------------------------------------------------------------

def _views(lib):
    x = lib.arange(12.0).reshape(3, 4)
    return {"x": x, "v": x[1:, ::2], "t": x.t(), "row": x[2]}


def test_views_written_once_and_restored_as_views():
    d = _views(jtorch)
    b = _jt_bytes(d)
    z = zipfile.ZipFile(io.BytesIO(b))
    assert [n for n in z.namelist() if "/data/" in n] == ["archive/data/0"]
    got = _jl(b)
    ref = _views(torch)
    for k in ref:
        _exact(got[k], ref[k])
        assert got[k].stride() == ref[k].stride(), k
        assert got[k].storage_offset() == ref[k].storage_offset(), k
    assert got["x"]._base is None
    assert all(got[k]._base is got["x"] for k in ("v", "t", "row"))
    got["v"].add_(100.0)          # a write through one view is seen by the base and others
    ref["v"].add_(100.0)
    got["x"][0, 0] = -1.0
    ref["x"][0, 0] = -1.0
    for k in ref:
        _exact(got[k], ref[k])


def test_jtorch_views_load_as_shared_storage_in_torch():
    got = _tl(_jt_bytes(_views(jtorch)), weights_only=True)
    ref = _views(torch)
    ptr = got["x"].untyped_storage().data_ptr()
    for k in ref:
        _exact(got[k], ref[k])
        assert got[k].stride() == ref[k].stride()
        assert got[k].storage_offset() == ref[k].storage_offset()
        assert got[k].untyped_storage().data_ptr() == ptr
    got["v"].mul_(0)
    assert got["x"][1, 0].item() == 0


def test_torch_views_load_as_jtorch_views():
    ref = _views(torch)
    got = _jl(_t_bytes(ref))
    assert all(got[k]._base is got["x"] for k in ("v", "t", "row"))
    got["row"].fill_(7.0)
    ref["row"].fill_(7.0)
    for k in ref:
        _exact(got[k], ref[k])


def test_lone_view_keeps_whole_storage_and_offset():
    x = torch.arange(10.0)
    got = _jl(_t_bytes(x[2:5]))
    _exact(got, x[2:5])
    assert got.storage_offset() == 2
    back = _tl(_jt_bytes(got))
    assert back.storage_offset() == 2 and back.untyped_storage().nbytes() == 40
    _exact(got, back)


# ---- containers, scalars, state dicts -------------------------------------------------------

def _nested(lib):
    od = collections.OrderedDict([("b", lib.ones(2)), ("a", 3)])
    return {"list": [1, 2.5, True, None, "s", lib.zeros(1, dtype=lib.int64)],
            "tuple": (1, ("x", -7), 2 ** 70, 1 + 2j), "od": od, "str": "héllo",
            "set": {1, 2}, "float": float("inf"), "dtype": lib.float16, "size": lib.Size([2, 3]),
            "device": lib.device("cpu"), "empty": {}}


def _compare_tree(jt, t):
    if isinstance(t, torch.Tensor):
        _exact(jt, t)
    elif isinstance(t, dict):
        assert type(jt) is type(t) and list(jt) == list(t)
        for k in t:
            _compare_tree(jt[k], t[k])
    elif isinstance(t, (list, tuple)) and not isinstance(t, torch.Size):
        assert type(jt) is type(t) and len(jt) == len(t)
        for a, b in zip(jt, t):
            _compare_tree(a, b)
    elif isinstance(t, (torch.dtype, torch.device, torch.Size)):
        assert str(jt) == str(t)
    else:
        assert type(jt) is type(t) and (jt == t or (jt != jt and t != t)), (jt, t)


@pytest.mark.parametrize("weights_only", [True, False])
def test_nested_containers_both_ways(weights_only):
    _compare_tree(_jl(_t_bytes(_nested(torch)), weights_only=weights_only), _nested(torch))
    _compare_tree(_jl(_jt_bytes(_nested(jtorch)), weights_only=weights_only), _nested(torch))
    _compare_tree(_tl(_jt_bytes(_nested(jtorch)), weights_only=weights_only), _nested(torch))


def test_module_state_dict_both_ways():
    tm = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Linear(4, 2))
    sd = tm.state_dict()
    got = _jl(_t_bytes(sd))
    assert list(got) == list(sd)
    assert got._metadata == sd._metadata        # OrderedDict attribute state survives
    for k in sd:
        _exact(got[k], sd[k])
    jm = jtorch.nn.Sequential(jtorch.nn.Linear(3, 4), jtorch.nn.Linear(4, 2))
    jm.load_state_dict(got)
    back = _tl(_jt_bytes(jm.state_dict()), weights_only=True)
    tm2 = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Linear(4, 2))
    tm2.load_state_dict(back)
    for k, v in tm2.state_dict().items():
        assert torch.equal(v, sd[k]), k


def test_optimizer_state_dict_from_torch():
    m = torch.nn.Linear(2, 2)
    # NOTE: SGD, not Adam: torch's first Adam step imports torch._dynamo (~7 s).
    opt = torch.optim.SGD(m.parameters(), lr=0.1, momentum=0.9)
    m(torch.ones(1, 2)).sum().backward()
    opt.step()
    sd = opt.state_dict()
    got = _jl(_t_bytes(sd))
    _compare_tree(got, sd)
    _compare_tree(_jl(_jt_bytes(got)), sd)
    _compare_tree(got, _tl(_jt_bytes(got), weights_only=True))


def test_parameters_and_tensor_attributes():
    p = torch.nn.Parameter(torch.ones(2))
    got = _jl(_t_bytes(p))
    assert isinstance(got, jtorch.nn.Parameter) and got.requires_grad
    back = _tl(_jt_bytes(got), weights_only=True)
    assert isinstance(back, torch.nn.Parameter) and back.requires_grad
    t = torch.ones(2)
    t.foo = 3
    got = _jl(_t_bytes(t))
    assert got.foo == 3 and type(got) is jtorch.Tensor
    assert _tl(_jt_bytes(got), weights_only=True).foo == 3


# ---- map_location, mmap, file objects ----------------------------------------------------------

@pytest.fixture
def cuda_tagged(monkeypatch):
    """Bytes of a checkpoint whose storages are tagged 'cuda:0' (as if saved on a GPU)."""
    monkeypatch.setattr(_pickler, "_location", lambda t: "cuda:0")
    jt, t = pair(make_array((2, 2)))
    b = _jt_bytes({"w": jt})
    monkeypatch.undo()
    return b, t


def test_map_location_variants(cuda_tagged):
    b, t = cuda_tagged
    if not torch.cuda.is_available():
        assert_same_raise(lambda: _jl(b), lambda: _tl(b), contains=("map_location",))
    seen = []

    def fn(storage, loc):
        seen.append(loc)
        return storage

    for ml in ("cpu", jtorch.device("cpu"), {"cuda:0": "cpu"}, fn,
               lambda s, loc: s.cpu(), lambda s, loc: s.to(device="cpu")):
        tml = torch.device(str(ml)) if isinstance(ml, jtorch.device) else ml
        got = _jl(b, map_location=ml)["w"]
        _exact(got, _tl(b, map_location=tml)["w"])
        assert got.device == jtorch.device("cpu")
    assert seen == ["cuda:0", "cuda:0"]  # jtorch and torch each called it once


def test_mmap_and_paths(tmp_path):
    jt, t = pair(make_array((8, 8)))
    p = tmp_path / "m.pt"
    jtorch.save({"w": jt, "v": jt[2:, 1]}, p)
    for f in (p, str(p)):
        got = jtorch.load(f, mmap=True)
        _exact(got["w"], t)
        _exact(got["v"], t[2:, 1])
        assert got["v"]._base is got["w"]
    with open(p, "rb") as fh:
        _exact(jtorch.load(fh)["w"], t)
    got = jtorch.load(p, mmap=True)
    got["w"].add_(1.0)                      # a write never reaches the (copy-on-write) file
    _exact(jtorch.load(p)["w"], t)
    buf = io.BytesIO(p.read_bytes())
    assert_same_raise(lambda: jtorch.load(buf, mmap=True),
                      lambda: torch.load(io.BytesIO(p.read_bytes()), mmap=True))


def test_non_seekable_stream():
    jt, t = pair(make_array((3,)))

    class Stream:
        def __init__(self, b):
            self._b = io.BytesIO(b)

        def read(self, n=-1):
            return self._b.read(n)

        def seekable(self):
            return False

    _exact(jtorch.load(Stream(_jt_bytes(jt))), t)


# ---- atomic writes ------------------------------------------------------------------------

def test_atomic_save_keeps_old_checkpoint(tmp_path, monkeypatch):
    p = tmp_path / "ckpt.pt"
    jt, t = pair(make_array((4,)))
    jtorch.save({"w": jt}, p)
    before = p.read_bytes()
    with pytest.raises((pickle.PicklingError, AttributeError, TypeError)):
        jtorch.save({"w": jt, "f": lambda: 0}, p)        # pickling fails
    assert p.read_bytes() == before
    real = ZipWriter.write_record

    def failing(self, name, data):
        if name == "data/1":
            raise OSError("disk full (simulated)")
        return real(self, name, data)

    monkeypatch.setattr(ZipWriter, "write_record", failing)
    with pytest.raises(OSError, match="disk full"):
        jtorch.save({"a": jtorch.ones(1000), "b": jtorch.zeros(1000)}, p)  # fails mid-write
    monkeypatch.undo()
    assert p.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["ckpt.pt"]      # no temporary file left behind
    _exact(jtorch.load(p)["w"], t)
    assert oct(p.stat().st_mode & 0o777) == oct(0o666 & ~_umask())
    p.chmod(0o640)                                # overwriting keeps the file's mode
    jtorch.save({"w": jt}, p)
    assert oct(p.stat().st_mode & 0o777) == oct(0o640)
    assert_same_raise(lambda: jtorch.save(jt, tmp_path / "nodir" / "x.pt"),
                      lambda: torch.save(t, tmp_path / "nodir" / "x.pt"))


def _umask():
    m = os.umask(0)
    os.umask(m)
    return m


# ---- plain pickle / deepcopy of tensors ------------------------------------------------

def test_pickle_and_deepcopy_of_tensors():
    jt, t = pair(make_array((2, 3), "bfloat16"), "bfloat16")
    _exact(pickle.loads(pickle.dumps(jt)), t)
    jg, tg = pair(make_array((2,)), requires_grad=True)
    _exact(pickle.loads(pickle.dumps(jg)), tg)
    _exact(copy.deepcopy(jg), tg)
    p = jtorch.nn.Parameter(jtorch.ones(2))
    q = pickle.loads(pickle.dumps(p))
    assert isinstance(q, jtorch.nn.Parameter) and q.requires_grad


def test_safetensors_path_dispatch(tmp_path):
    from safetensors.torch import save_file
    t = torch.randn(3, 2)
    save_file({"w": t}, tmp_path / "w.safetensors")
    got = jtorch.load(tmp_path / "w.safetensors")
    _exact(got["w"], t)


# ---- format options ----------------------------------------------------------------------------

def test_protocol_and_byteorder_options():
    jt, t = pair(make_array((3, 2)))
    b4 = _jt_bytes({"w": jt}, pickle_protocol=4)
    _exact(_jl(b4)["w"], t)
    _exact(_tl(b4, weights_only=False)["w"], t)
    nb = _jt_bytes({"w": jt}, _disable_byteorder_record=True)
    assert "archive/byteorder" not in zipfile.ZipFile(io.BytesIO(nb)).namelist()
    _exact(_tl(nb)["w"], t)
    _exact(_jl(nb)["w"], t)


@pytest.mark.parametrize("name", ["float32", "int16", "bfloat16", "complex64", "bool"])
def test_big_endian_checkpoint(name):
    jt, t = pair(make_array((5,), name), name)
    z = zipfile.ZipFile(io.BytesIO(_jt_bytes(jt)))
    item = 4 if name == "complex64" else jt.element_size()  # complex: two byteswapped floats
    data = np.frombuffer(z.read("archive/data/0"), f"<u{item}" if item > 1 else "u1")
    b = _zip_with({"data.pkl": z.read("archive/data.pkl"), "byteorder": b"big",
                   "data/0": data.byteswap().tobytes()})
    _exact(_jl(b), t)
    _exact(_tl(b), t)


def test_zip64_records_read_by_torch_and_zipfile(monkeypatch):
    """The zip64 branch (records/offsets >= 4 GiB) with its threshold lowered to 100 bytes."""
    from jtorch._serialization import _zip
    monkeypatch.setattr(_zip, "ZIP64_LIMIT", 100)
    d = {f"w{i}": pair(make_array((40,), seed=i)) for i in range(3)}
    b = _jt_bytes({k: v[0] for k, v in d.items()})
    monkeypatch.undo()
    z = zipfile.ZipFile(io.BytesIO(b))
    assert z.testzip() is None and any(i.extract_version == 45 for i in z.infolist())
    for k, (_, t) in d.items():
        _exact(_jl(b)[k], t)
        _exact(_tl(b, weights_only=True)[k], t)


def test_save_through_symlink_replaces_target(tmp_path):
    target = tmp_path / "real.pt"
    link = tmp_path / "link.pt"
    jtorch.save(jtorch.zeros(2), target)
    link.symlink_to(target)
    jtorch.save(jtorch.ones(2), link)
    assert link.is_symlink()
    assert jtorch.load(target).tolist() == [1.0, 1.0]
    assert torch.load(link).tolist() == [1.0, 1.0]
