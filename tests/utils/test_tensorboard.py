"""torch.utils.tensorboard: jtorch's SummaryWriter writes the same event files as torch's.

Differential: the same calls go to torch's and jtorch's SummaryWriter (tensors built from the same
numpy data), the event files are read back with tensorboard's own loader, and every event must be
identical (same protobuf, image PNG bytes, histogram buckets, ...) except its wall time; the
directory layout, file-name suffixes and side files (embedding projector) must match too.
"""
import importlib
import inspect
import os
import re
import runpy
import socket
import subprocess
import sys
import types

import numpy as np
import pytest

pytest.importorskip("tensorboard", reason="torch.utils.tensorboard needs the `tensorboard` package")

import torch  # noqa: E402
import torch.utils.tensorboard as ttb  # noqa: E402
import torch.utils.tensorboard.summary as tsummary  # noqa: E402
import torch.utils.tensorboard.writer as twriter  # noqa: E402
from tensorboard.backend.event_processing.event_file_loader import LegacyEventFileLoader  # noqa: E402

import jtorch  # noqa: E402
import jtorch.utils.tensorboard as jtb  # noqa: E402
import jtorch.utils.tensorboard.summary as jsummary  # noqa: E402
import jtorch.utils.tensorboard.writer as jwriter  # noqa: E402

LIBS = {"torch": (torch, ttb), "jtorch": (jtorch, jtb)}
_EVENT_NAME = re.compile(r"^events\.out\.tfevents\.\d+\.(?P<host>[^.]+(?:\.[^.]+)*?)\.\d+\.\d+(?P<suffix>.*)$")


def _t(lib, a):
    """The numpy array `a` as a tensor of `lib` (torch or jtorch)."""
    return lib.tensor(np.asarray(a))


def _read_tree(root):
    """{relative dir: [events without wall_time, per file]} plus {relative path: bytes} of side files."""
    events, files = {}, {}
    for d, _, names in os.walk(root):
        rel = os.path.relpath(d, root)
        for name in sorted(names):
            path = os.path.join(d, name)
            m = _EVENT_NAME.match(name)
            if m is None:
                with open(path, "rb") as f:
                    files[os.path.join(rel, name)] = f.read()
                continue
            evs = []
            for ev in LegacyEventFileLoader(path).Load():
                ev.wall_time = 0.0
                evs.append(ev)
            events.setdefault(rel, []).append((m.group("suffix"), evs))
    for rel in events:
        events[rel].sort(key=lambda item: [e.SerializeToString() for e in item[1]])
    return events, files


def _run_both(tmp_path, body, **writer_kwargs):
    """Run body(lib, writer) under torch and jtorch writers; return both trees (events, side files)."""
    out = {}
    for name, (lib, tb) in LIBS.items():
        root = tmp_path / name
        with tb.SummaryWriter(str(root), **writer_kwargs) as w:
            body(lib, w)
        out[name] = _read_tree(str(root))
    return out["torch"], out["jtorch"]


def _assert_same(tmp_path, body, **writer_kwargs):
    (tev, tfiles), (jev, jfiles) = _run_both(tmp_path, body, **writer_kwargs)
    assert sorted(tev) == sorted(jev)
    for rel in tev:
        assert [s for s, _ in tev[rel]] == [s for s, _ in jev[rel]], rel
        for (_, te), (_, je) in zip(tev[rel], jev[rel]):
            assert len(te) == len(je), rel
            for a, b in zip(te, je):
                assert a == b, f"{rel}:\ntorch: {str(a)[:1500]}\njtorch: {str(b)[:1500]}"
    assert tfiles == jfiles
    return tev, tfiles


def test_public_names():
    assert jtb.__all__ == ttb.__all__
    assert jsummary.__all__ == tsummary.__all__
    assert jwriter.__all__ == twriter.__all__
    for mod, ref in ((jtb, ttb), (jsummary, tsummary), (jwriter, twriter)):
        for name in ref.__all__:
            assert hasattr(mod, name), name
    assert jtb.RecordWriter is ttb.RecordWriter


def _public_methods(cls):
    return {n: inspect.signature(f) for n, f in vars(cls).items()
            if callable(f) and (not n.startswith("_") or n in ("__init__", "__enter__", "__exit__"))}


@pytest.mark.parametrize("cls", ["SummaryWriter", "FileWriter"])
def test_method_signatures(cls):
    tm, jm = _public_methods(getattr(ttb, cls)), _public_methods(getattr(jtb, cls))
    assert sorted(tm) == sorted(jm)
    for name in tm:
        tp, jp = tm[name].parameters, jm[name].parameters
        assert list(tp) == list(jp), name
        assert [p.default for p in tp.values()] == [p.default for p in jp.values()], name


@pytest.mark.parametrize("fn", ["scalar", "histogram", "make_histogram", "image", "text", "hparams",
                                "pr_curve", "custom_scalars", "tensor_proto", "audio", "mesh"])
def test_summary_signatures(fn):
    ts, js = inspect.signature(getattr(tsummary, fn)), inspect.signature(getattr(jsummary, fn))
    assert list(ts.parameters) == list(js.parameters)


def test_scalars(tmp_path):
    def body(lib, w):
        w.add_scalar("loss", 0.5, 0)
        w.add_scalar("loss", np.float32(0.25), 1)
        w.add_scalar("loss", _t(lib, np.float32(0.125)), 2)
        w.add_scalar("int", 7, 3)
        w.add_scalar("one_elem", _t(lib, np.array([[3.5]], dtype=np.float64)), np.int64(4))
        w.add_scalar("new", _t(lib, np.float32(1.0) / 3), 5, new_style=True)
        w.add_scalar("new_dbl", 1 / 3, 6, new_style=True, double_precision=True)
        w.add_scalar("grad", lib.tensor(2.0, requires_grad=True) * 3, 7)
        w.add_scalar("wall", 1.0, 8, walltime=1234.5)
        w.add_scalars("run/a", {"x": 1.0, "y": _t(lib, np.float32(2.0))}, 9)
        w.add_scalars("run/a", {"x": 3.0}, 10)
        w.add_scalar("nostep", 4.0)
        # NOTE: bfloat16 goes through float16 as in torch: 1e5 overflows to inf there.
        w.add_scalar("bf16_big", _t(lib, np.float32(1e5)).to(lib.bfloat16), 11)
    ev, _ = _assert_same(tmp_path, body)
    assert sorted(ev) == [".", "run_a_x", "run_a_y"]
    values = {v.tag: v.simple_value for _, es in ev["."] for e in es for v in e.summary.value}
    assert values["loss"] == 0.125 and values["int"] == 7.0 and values["bf16_big"] == float("inf")


def test_walltime_kept(tmp_path):
    for name, (_, tb) in LIBS.items():
        with tb.SummaryWriter(str(tmp_path / name)) as w:
            w.add_scalar("s", 1.0, 0, walltime=1234.5)
    for name in LIBS:
        (path,) = [os.path.join(d, f) for d, _, fs in os.walk(tmp_path / name) for f in fs]
        walls = [e.wall_time for e in LegacyEventFileLoader(path).Load() if e.HasField("summary")]
        assert walls == [1234.5]


def test_histograms(tmp_path):
    rng = np.random.default_rng(0)
    data = rng.normal(size=(20, 30)).astype(np.float32)
    ints = rng.integers(-5, 5, size=200)

    def body(lib, w):
        w.add_histogram("h", _t(lib, data), 0)
        w.add_histogram("h", data * 2, 1)
        w.add_histogram("auto", _t(lib, data), 0, bins="auto")
        w.add_histogram("ten", _t(lib, ints), 0, bins=10)
        w.add_histogram("maxb", _t(lib, data), 0, bins=50, max_bins=7)
        w.add_histogram("bf16", _t(lib, data).to(lib.bfloat16), 0)
        w.add_histogram("const", _t(lib, np.ones(5, dtype=np.float32)), 0)
        counts, limits = np.histogram(data, bins=5)
        w.add_histogram_raw("raw", float(data.min()), float(data.max()), data.size, float(data.sum()),
                            float((data * data).sum()), limits[1:].tolist(), counts.tolist(), 3)
    ev, _ = _assert_same(tmp_path, body)
    histos = [v.histo for _, es in ev["."] for e in es for v in e.summary.value if v.tag == "ten"]
    assert sum(histos[0].bucket) == 200


def test_images(tmp_path):
    rng = np.random.default_rng(1)
    chw = rng.random((3, 9, 7)).astype(np.float32)
    hwc8 = rng.integers(0, 256, size=(9, 7, 3), dtype=np.uint8)
    batch = rng.random((10, 3, 5, 4)).astype(np.float32)
    nhwc = rng.random((3, 5, 4, 1)).astype(np.float32)

    def body(lib, w):
        w.add_image("chw", _t(lib, chw), 0)
        w.add_image("chw_np", chw * 1.5, 0)
        w.add_image("hwc", _t(lib, hwc8), 1, dataformats="HWC")
        w.add_image("hw", _t(lib, chw[0]), 2, dataformats="HW")
        w.add_image("gray", _t(lib, chw[:1]), 3)
        w.add_image("rgba", _t(lib, hwc8[..., :1].repeat(4, axis=2)), 4, dataformats="HWC")
        w.add_images("batch", _t(lib, batch), 5)
        w.add_images("nhwc", _t(lib, nhwc), 6, dataformats="NHWC")
        w.add_image_with_boxes("boxes", _t(lib, chw), _t(lib, np.array([[1, 1, 5, 6]])), 7, labels=["cat"])
        w.add_image_with_boxes("boxes2", _t(lib, chw), np.array([[0, 0, 3, 3], [2, 2, 6, 8]]), 8,
                               rescale=2, labels=["only one"])
    ev, _ = _assert_same(tmp_path, body)
    imgs = {v.tag: v.image for _, es in ev["."] for e in es for v in e.summary.value}
    assert (imgs["chw"].height, imgs["chw"].width, imgs["chw"].colorspace) == (9, 7, 3)
    assert imgs["chw"].encoded_image_string.startswith(b"\x89PNG")


def test_figure(tmp_path):
    pytest.importorskip("matplotlib", reason="add_figure needs matplotlib")
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    def body(lib, w):
        fig = plt.figure(figsize=(2, 1.5), dpi=40)
        plt.plot([0, 1, 2], [1, 0, 2])
        w.add_figure("fig", fig, 0)
        figs = [plt.figure(figsize=(1, 1), dpi=30) for _ in range(2)]
        w.add_figure("figs", figs, 1, close=False)
        plt.close("all")
    _assert_same(tmp_path, body)


def test_text_hparams_custom_scalars(tmp_path):
    def body(lib, w):
        w.add_text("note", "hello **world** \u00e9", 0)
        w.add_hparams({"lr": 0.1, "bs": 32, "opt": "adam", "nest": True, "skip": None,
                       "t": _t(lib, np.array([0.5]))},
                      {"hp/acc": 0.9, "hp/loss": _t(lib, np.float32(0.25))},
                      hparam_domain_discrete={"opt": ["adam", "sgd"], "bs": [16, 32]},
                      run_name="trial", global_step=3)
        w.add_custom_scalars({"Cat": {"multi": ["Multiline", ["a", "b"]],
                                      "marg": ["Margin", ["m", "lo", "hi"]]}})
        w.add_custom_scalars_multilinechart(["a", "b"], category="c", title="t")
        w.add_custom_scalars_marginchart(["m", "lo", "hi"])
    ev, _ = _assert_same(tmp_path, body)
    assert sorted(ev) == [".", "trial"]


def test_tensor_pr_curve_audio_mesh(tmp_path):
    rng = np.random.default_rng(2)
    labels = rng.integers(0, 2, size=60)
    preds = rng.random(60)
    verts = rng.random((1, 4, 3)).astype(np.float32)

    def body(lib, w):
        for dt in ("float32", "float64", "int64", "int32", "int16", "int8", "uint8", "bool", "float16"):
            w.add_tensor("t_" + dt, _t(lib, np.arange(6).reshape(2, 3)).to(getattr(lib, dt)), 0)
        w.add_tensor("t_bf16", _t(lib, np.linspace(0, 1, 4, dtype=np.float32)).to(lib.bfloat16), 0)
        w.add_tensor("t_c64", _t(lib, np.array([1 + 2j, 3 - 1j], dtype=np.complex64)), 0)
        w.add_pr_curve("pr", _t(lib, labels), _t(lib, preds), 1)
        w.add_pr_curve("pr_np", labels, preds, 2, num_thresholds=500, weights=0.5)
        tp, fp = np.arange(5.0), np.arange(5.0)[::-1]
        w.add_pr_curve_raw("raw", tp, fp, fp, tp, tp / 4, fp / 4, 3, num_thresholds=5)
        w.add_audio("snd", _t(lib, np.sin(np.linspace(0, 20, 300))[None].astype(np.float32)), 4,
                    sample_rate=8000)
        w.add_audio("loud", _t(lib, np.linspace(-3, 3, 50)), 5)
        w.add_mesh("mesh", _t(lib, verts), colors=_t(lib, np.array([[[255, 0, 0]] * 4])),
                   faces=_t(lib, np.array([[[0, 1, 2], [1, 2, 3]]])), config_dict={"camera": {"fov": 75}},
                   global_step=6)
    _assert_same(tmp_path, body)


def test_embedding_files(tmp_path):
    rng = np.random.default_rng(3)
    mat = rng.normal(size=(6, 4)).astype(np.float32)
    imgs = rng.random((6, 3, 4, 5)).astype(np.float32)

    def body(lib, w):
        w.add_embedding(_t(lib, mat), metadata=[f"k{i}" for i in range(6)], label_img=_t(lib, imgs))
        w.add_embedding(mat * 2, metadata=[[i, f"n{i}"] for i in range(6)], metadata_header=["id", "name"],
                        global_step=5, tag="a/b")
    _, files = _assert_same(tmp_path, body)
    assert sorted(files) == ["./projector_config.pbtxt", "00000/default/metadata.tsv",
                             "00000/default/sprite.png", "00000/default/tensors.tsv",
                             "00005/a%2fb/metadata.tsv", "00005/a%2fb/tensors.tsv"]


def test_purge_step_suffix_and_reopen(tmp_path):
    def body(lib, w):
        w.add_scalar("s", 1.0, 10)
        w.flush()
        w.close()
        w.close()  # a second close is a no-op
        w.add_scalar("s", 2.0, 11)  # reopens a new event file
    ev, _ = _assert_same(tmp_path, body, purge_step=5, filename_suffix=".sfx", max_queue=2, flush_secs=1)
    assert [s for s, _ in ev["."]] == [".sfx", ".sfx"]
    starts = [e for _, es in ev["."] for e in es if e.HasField("session_log")]
    assert [e.step for e in starts] == [5]


def test_default_log_dir(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    dirs = {}
    for name, (_, tb) in LIBS.items():
        before = set(os.listdir("runs")) if os.path.isdir("runs") else set()
        w = tb.SummaryWriter(comment="_lr0.1")
        w.close()
        (new,) = set(os.listdir("runs")) - before
        assert w.get_logdir() == os.path.join("runs", new)
        dirs[name] = new
        # NOTE: both writers may start within the same second; move each run out of the way.
        os.rename(os.path.join("runs", new), os.path.join("runs", name + "_" + new))
    pattern = r"^[A-Z][a-z]{2}\d{2}_\d{2}-\d{2}-\d{2}_" + re.escape(socket.gethostname()) + "_lr0.1$"
    for new in dirs.values():
        assert re.match(pattern, new), new


def _both_raise(root, fn):
    """fn(lib, tb, writer) under torch and jtorch: the same exception class and message."""
    out = []
    for name, (lib, tb) in LIBS.items():
        with tb.SummaryWriter(os.path.join(root, name)) as w:
            with pytest.raises(Exception) as exc:
                fn(lib, tb, w)
            out.append((type(exc.value), str(exc.value)))
    assert out[0] == out[1]
    return out[0]


@pytest.mark.parametrize("case", [
    lambda lib, tb, w: w.add_scalar("s", _t(lib, np.arange(3.0))),
    lambda lib, tb, w: w.add_scalar("s", [1.0]),
    lambda lib, tb, w: w.add_histogram("h", _t(lib, np.zeros(0))),
    lambda lib, tb, w: w.add_histogram_raw("h", 0, 1, 2, 1, 1, [1, 2], [1]),
    lambda lib, tb, w: w.add_hparams([("lr", 1)], {}),
    lambda lib, tb, w: w.add_hparams({"lr": [1]}, {}),
    lambda lib, tb, w: w.add_hparams({"lr": 1}, {}, hparam_domain_discrete={"lr": ["a"]}),
    lambda lib, tb, w: w.add_custom_scalars_marginchart(["a", "b"]),
    lambda lib, tb, w: w.add_custom_scalars({"c": {"m": ["Margin", ["a"]]}}),
    lambda lib, tb, w: w.add_image("i", _t(lib, np.zeros((3, 4, 4))), dataformats="HWCC"),
    lambda lib, tb, w: w.add_image("i", _t(lib, np.zeros((3, 4, 4))), dataformats="HW"),
    lambda lib, tb, w: w.add_images("i", _t(lib, np.zeros((2, 2, 4, 4)))),
    lambda lib, tb, w: w.add_embedding(_t(lib, np.zeros((3, 2))), metadata=["a"]),
    lambda lib, tb, w: w.add_embedding(_t(lib, np.zeros(3))),
    lambda lib, tb, w: w.add_tensor("t", _t(lib, np.zeros(2, dtype=np.uint16))),
    lambda lib, tb, w: w.add_audio("a", _t(lib, np.zeros((2, 3)))),
], ids=["scalar_shape", "scalar_list", "hist_empty", "hist_raw_len", "hparams_type", "hparams_value",
        "hparams_domain", "margin_len", "margin_layout", "dataformats_dup", "dataformats_len",
        "images_channels", "embedding_meta", "embedding_ndim", "tensor_dtype", "audio_ndim"])
def test_errors(case, tmp_path):
    _both_raise(str(tmp_path), case)


def test_add_graph_unsupported(tmp_path):
    with jtb.SummaryWriter(str(tmp_path)) as w:
        with pytest.raises(NotImplementedError, match="add_graph is not supported.*add_onnx_graph"):
            w.add_graph(jtorch.nn.Linear(2, 3), jtorch.zeros(1, 2))
    assert [e for _, es in _read_tree(str(tmp_path))[0]["."] for e in es if e.graph_def] == []


def test_onnx_graph(tmp_path):
    onnx = pytest.importorskip("onnx", reason="add_onnx_graph needs the onnx package")
    from onnx import TensorProto, helper
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 2])
    model = helper.make_model(helper.make_graph([helper.make_node("Relu", ["x"], ["y"])], "g", [x], [y]))
    path = str(tmp_path / "m.onnx")
    onnx.save(model, path)
    _assert_same(tmp_path, lambda lib, w: w.add_onnx_graph(path))


@pytest.mark.parametrize("mode", ["missing", "no_version", "1.14.2", "1.15.0"])
def test_import_errors(mode, monkeypatch):
    out = {}
    for which in ("torch", "jtorch"):
        pkg = which + ".utils.tensorboard"
        # NOTE: import the package afresh (its loaded modules are put back by monkeypatch afterwards).
        for key in [k for k in sys.modules if k == pkg or k.startswith(pkg + ".")]:
            monkeypatch.delitem(sys.modules, key)
        parent = sys.modules[which + ".utils"]
        monkeypatch.setattr(parent, "tensorboard", parent.tensorboard)  # a successful import rebinds it
        # None: `import tensorboard` fails; a stub without __version__ or older than 1.15: torch's
        # version error; a 1.15 stub passes the check (the real tensorboard.* submodules stay loaded).
        fake = None if mode == "missing" else types.ModuleType("tensorboard")
        if mode[0].isdigit():
            fake.__version__ = mode
        monkeypatch.setitem(sys.modules, "tensorboard", fake)
        try:
            importlib.import_module(pkg)
            out[which] = None
        except ImportError as e:
            out[which] = (type(e), str(e))
    assert out["torch"] == out["jtorch"]
    expected = {"missing": ModuleNotFoundError, "no_version": ImportError, "1.14.2": ImportError, "1.15.0": None}
    assert (out["torch"] and out["torch"][0]) is expected[mode]


def test_import_errors_left_modules_alone():
    assert sys.modules["jtorch.utils.tensorboard"] is jtb and jtorch.utils.tensorboard is jtb
    assert sys.modules["jtorch.utils.tensorboard.writer"] is jwriter


_SCRIPT = r"""
import sys
import torch
from torch.utils.tensorboard import SummaryWriter

with SummaryWriter(sys.argv[1], comment="unused") as writer:
    for step in range(3):
        loss = torch.tensor(2.0) / (step + 1)
        writer.add_scalar("loss", loss.item(), step)
        writer.add_scalar("loss_t", loss, step)
        writer.add_histogram("bias", torch.arange(4.0) * step, step)
    writer.add_image("img", torch.linspace(0, 1, 48).reshape(3, 4, 4), 0)
    writer.add_text("info", "done", 0)
print(type(writer).__module__)
"""


@pytest.mark.shim
def test_unmodified_script_under_shim(tmp_path, monkeypatch, capsys):
    root = os.path.dirname(os.path.dirname(os.path.abspath(jtorch.__file__)))
    script = tmp_path / "train.py"
    script.write_text(_SCRIPT)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([os.path.join(root, "compat"), root])
    proc = subprocess.run([sys.executable, str(script), str(tmp_path / "jtorch")], env=env, cwd=str(tmp_path),
                          capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.strip().splitlines()[-1] == "jtorch.utils.tensorboard.writer"
    # NOTE: the reference run is in this process, where `import torch` is real torch (already loaded).
    monkeypatch.setattr(sys, "argv", [str(script), str(tmp_path / "torch")])
    runpy.run_path(str(script), run_name="__main__")
    assert capsys.readouterr().out.strip() == "torch.utils.tensorboard.writer"
    assert _read_tree(str(tmp_path / "torch")) == _read_tree(str(tmp_path / "jtorch"))
