"""torch.hub / torch.utils.model_zoo against torch.hub: same directories, files, messages, errors.

Each test runs the same operation through torch.hub and jtorch.hub (separate cache folders) and
compares; URLs are file:// (no network here) and GitHub is simulated by a patched urlopen.
"""
import builtins
import hashlib
import re
import sys
import textwrap
import zipfile
from pathlib import Path
from urllib.error import URLError

import numpy as np
import pytest
import torch
import torch.hub as thub

import jtorch
import jtorch.hub as jhub
import jtorch.utils.model_zoo as jzoo

HUBCONF = textwrap.dedent('''
    dependencies = ["json"]
    import helper_mod  # NOTE: the repo folder is on sys.path while hubconf runs


    def model(scale=1, *, offset=0):
        """Build the model."""
        return {"value": helper_mod.VALUE * scale + offset}


    def _private():
        pass


    not_callable = 3
''')


@pytest.fixture
def both(tmp_path, monkeypatch):
    """(lib, hub dir) pairs for torch and jtorch, each with its own cache folder."""
    out = []
    for name, lib in (("torch", thub), ("jtorch", jhub)):
        monkeypatch.setattr(lib, "_hub_dir", str(tmp_path / name / "hub"))
        out.append(lib)
    return out


def _repo(path, hubconf=HUBCONF):
    path.mkdir(parents=True, exist_ok=True)
    (path / "hubconf.py").write_text(hubconf)
    (path / "helper_mod.py").write_text("VALUE = 21\n")
    return path


def _outcome(fn, *args, **kwargs):
    try:
        return ("ok", fn(*args, **kwargs))
    except Exception as e:  # noqa: BLE001 - compared between the libraries
        return (type(e), str(e))


def test_get_dir_and_set_dir(monkeypatch, tmp_path):
    for lib in (thub, jhub):
        monkeypatch.setattr(lib, "_hub_dir", None)
    monkeypatch.delenv("TORCH_HOME", raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    assert jhub.get_dir() == thub.get_dir()
    assert jhub.get_dir().endswith("/.cache/torch/hub")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert jhub.get_dir() == thub.get_dir() == str(tmp_path / "xdg" / "torch" / "hub")
    monkeypatch.setenv("TORCH_HOME", "~/th")
    assert jhub.get_dir() == thub.get_dir()
    jhub.set_dir("~/somewhere")
    thub.set_dir("~/somewhere")
    assert jhub.get_dir() == thub.get_dir() and "~" not in jhub.get_dir()
    assert jhub.__all__ == thub.__all__
    assert jzoo.load_url is jhub.load_state_dict_from_url and jzoo.tqdm is jhub.tqdm


def test_load_local_list_help(both, tmp_path):
    repo = _repo(tmp_path / "repo")
    results = []
    for lib in both:
        results.append((
            lib.load(str(repo), "model", 2, source="local", offset=1),
            lib.load(str(repo), "model", source="LOCAL"),
            _outcome(lib.load, str(repo), "nope", source="local"),
            _outcome(lib.load, str(repo), "not_callable", source="local"),
            _outcome(lib.load, str(repo), 3, source="local"),
            _outcome(lib.load, str(repo), "model", source="gitlab"),
            lib._load_local(str(repo), "model", scale=0),
        ))
    assert results[0] == results[1]
    assert results[1][0] == {"value": 43}
    assert results[1][2] == (RuntimeError, "Cannot find callable nope in hubconf")
    assert str(repo) not in sys.path


def test_missing_dependencies(both, tmp_path):
    repo = _repo(tmp_path / "repo", 'dependencies = ["json", "no_such_pkg_x", "no_such_pkg_y"]\n'
                                    "def model():\n    return 1\n")
    got = [_outcome(lib.load, str(repo), "model", source="local") for lib in both]
    assert got[0] == got[1] == (RuntimeError, "Missing dependencies: no_such_pkg_x, no_such_pkg_y")


def _offline(monkeypatch):
    def urlopen(*args, **kwargs):
        raise URLError("simulated: no network")
    for lib in (thub, jhub):
        monkeypatch.setattr(lib, "urlopen", urlopen)


def test_github_without_network_fails_like_torch(both, monkeypatch):
    _offline(monkeypatch)
    got = []
    for lib in both:
        e1 = _outcome(lib.load, "someone/repo", "model")
        e2 = _outcome(lib.load, "someone/repo:main", "model", trust_repo=True)
        e3 = _outcome(lib.list, "someone/repo:v1", trust_repo=True, skip_validation=True)
        trusted = open(lib.get_dir() + "/trusted_list").read()
        got.append((e1[0], e1[1].replace(lib.get_dir(), "<hub>"), e2, e3, trusted))
    assert got[0] == got[1]
    assert got[1][0] is RuntimeError and "no internet connection" in got[1][1]
    assert got[1][2][0] is got[1][3][0] is URLError
    assert got[1][4] == "someone_repo\n"  # NOTE: trust_repo=True records the repo before downloading


def test_github_repo_from_cache(both, monkeypatch, capsys):
    _offline(monkeypatch)
    out = []
    for lib in both:
        _repo(Path(lib.get_dir()) / "someone_repo_main")
        m = lib.load("someone/repo:main", "model", 3, trust_repo=True)
        # NOTE: without a ref, the offline lookup finds the cached `main` folder.
        entries = lib.list("someone/repo", trust_repo=True, verbose=False)
        doc = lib.help("someone/repo:main", "model", trust_repo=True)
        trusted = open(lib.get_dir() + "/trusted_list").read()
        err = capsys.readouterr().err.replace(lib.get_dir(), "<hub>")
        out.append((m, entries, doc, trusted, err))
    assert out[0] == out[1]
    assert out[1][:3] == ({"value": 63}, ["model"], "Build the model.")
    # NOTE: a repo folder already in the cache counts as trusted (torch's legacy rule): not recorded.
    assert out[1][3] == "" and "Using cache found in <hub>/someone_repo_main" in out[1][4]


def test_untrusted_repo_prompt(both, monkeypatch):
    _offline(monkeypatch)
    answers = iter(["n", "n"])
    monkeypatch.setattr(builtins, "input", lambda prompt: next(answers))
    got = []
    for lib in both:
        _repo(Path(lib.get_dir()) / "stranger_repo_main")
        got.append(_outcome(lib.load, "stranger/repo:main", "model"))
    for lib in both:
        got.append(_outcome(lib.load, "stranger/repo:main", "model", trust_repo=False))
    # NOTE: the legacy rule: a cached repo folder counts as trusted; "check" then loads.
    assert got[0] == got[1] == ("ok", {"value": 21})
    assert got[2] == got[3] == (Exception, "Untrusted repository.")


def _checkpoint(tmp_path):
    sd = {"w": torch.arange(6, dtype=torch.float32).reshape(2, 3), "b": torch.tensor([1, 2])}
    path = tmp_path / "src" / "weights-abc.pth"
    path.parent.mkdir()
    torch.save(sd, path)
    return sd, path


def _as_numpy(sd):
    return {k: np.asarray(v.tolist()) for k, v in sd.items()}


def test_load_state_dict_from_url_file_url(both, tmp_path, capsys):
    sd, path = _checkpoint(tmp_path)
    url = path.as_uri()
    outs = []
    for lib in both:
        got = lib.load_state_dict_from_url(url, progress=False, map_location="cpu", weights_only=True)
        line = capsys.readouterr().out.replace(lib.get_dir(), "<hub>")
        outs.append((line, sorted(got), {k: v.dtype for k, v in _as_numpy(got).items()}))
        assert all(np.array_equal(_as_numpy(got)[k], _as_numpy(sd)[k]) for k in sd)
    assert outs[0] == outs[1]
    assert outs[1][0] == f'Downloading: "{url}" to <hub>/checkpoints/weights-abc.pth\n'
    got = jhub.load_state_dict_from_url(url)
    assert isinstance(got["w"], jtorch.Tensor) and got["w"].dtype == jtorch.float32
    assert got["b"].dtype == jtorch.int64
    # NOTE: cached now: no download (no message), even when the source is gone.
    path.unlink()
    got = jzoo.load_url(url, progress=False)
    assert capsys.readouterr().out == "" and got["w"].tolist() == sd["w"].tolist()


def test_model_dir_file_name_and_hash(both, tmp_path):
    sd, path = _checkpoint(tmp_path)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    good = path.with_name(f"weights-{digest[:10]}.pth")
    good.write_bytes(path.read_bytes())
    results = []
    for lib in both:
        d = tmp_path / ("md_" + lib.__name__)
        ok = lib.load_state_dict_from_url(good.as_uri(), model_dir=str(d), check_hash=True,
                                          progress=False)
        bad = _outcome(lib.load_state_dict_from_url, path.as_uri(), model_dir=str(d),
                       check_hash=True, progress=False, file_name="weights-deadbeef.pth")
        results.append((sorted(ok), bad, sorted(p.name for p in d.iterdir())))
    assert results[0] == results[1]
    assert results[1][1][0] is RuntimeError and 'expected "deadbeef"' in results[1][1][1]
    assert results[1][2] == [good.name]  # NOTE: no partial or bad file is left behind


def test_download_url_to_file(tmp_path, capsys):
    src = tmp_path / "blob.bin"
    src.write_bytes(b"x" * 300_000)
    for lib in (thub, jhub):
        dst = tmp_path / f"out_{lib.__name__}.bin"
        lib.download_url_to_file(src.as_uri(), str(dst), progress=False)
        assert dst.read_bytes() == src.read_bytes()
    assert capsys.readouterr().err == ""
    jhub.download_url_to_file(src.as_uri(), str(tmp_path / "p.bin"), progress=True)
    assert re.search(r"100(\.0)?%", capsys.readouterr().err)  # NOTE: tqdm's (or the fallback's) bar
    got = [_outcome(lib.download_url_to_file, (tmp_path / "missing").as_uri(), str(tmp_path / "m"))
           for lib in (thub, jhub)]
    assert got[0][0] is got[1][0] is URLError
    assert sorted(p.name for p in tmp_path.iterdir()) == ["blob.bin", "out_jtorch.hub.bin",
                                                        "out_torch.hub.bin", "p.bin"]


def test_legacy_single_file_zip(both, tmp_path):
    sd, path = _checkpoint(tmp_path)
    zpath = tmp_path / "src" / "legacy.zip"
    with zipfile.ZipFile(zpath, "w") as zf:
        zf.write(path, arcname="inner.pth")
    for lib in both:
        with pytest.warns(FutureWarning, match="Falling back to the old format"):
            got = lib.load_state_dict_from_url(zpath.as_uri(), progress=False)
        assert got["w"].tolist() == sd["w"].tolist()
