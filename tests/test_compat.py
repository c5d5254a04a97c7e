"""The `import torch` -> jtorch shim and the CLI, exercised in subprocesses (never in this process)."""

import importlib.util
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytestmark = pytest.mark.shim

ROOT = Path(__file__).resolve().parents[1]
COMPAT = ROOT / "compat"
QUICKSTART = "examples/quickstart.py"
TIMEOUT = 600


def _env(*paths):
    """A copy of os.environ whose PYTHONPATH is exactly `paths` (none: unset)."""
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    if paths:
        env["PYTHONPATH"] = os.pathsep.join(str(p) for p in paths)
    return env


def _shim_env():
    """PYTHONPATH for running under compat/ (repo root too, in case jtorch is not installed)."""
    return _env(COMPAT, ROOT)


def _run(args, env, cwd=ROOT, check=True):
    """Run `args` in a subprocess; fail the test, showing its output, on a non-zero exit."""
    proc = subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=TIMEOUT, stdin=subprocess.DEVNULL
    )
    if check and proc.returncode != 0:
        pytest.fail(f"{args} exited {proc.returncode}\n--- stdout\n{proc.stdout}\n--- stderr\n{proc.stderr}")
    return proc


def _last_line(proc):
    """The last line the process printed."""
    lines = proc.stdout.strip().splitlines()
    return lines[-1] if lines else ""


def _jtorch_cli(*args):
    """Argv that runs `python -m jtorch *args`."""
    return [sys.executable, "-m", "jtorch", *map(str, args)]


def test_quickstart_under_compat_pythonpath():
    assert _last_line(_run([sys.executable, QUICKSTART], _shim_env())) == "quickstart OK"


def test_quickstart_python_dash_m_jtorch():
    assert _last_line(_run(_jtorch_cli(QUICKSTART), _env(ROOT))) == "quickstart OK"


def test_quickstart_jtorch_run_entry():
    code = f"import sys; from jtorch._cli import main; sys.exit(main(['run', {QUICKSTART!r}]))"
    assert _last_line(_run([sys.executable, "-c", code], _env(ROOT))) == "quickstart OK"
    script = Path(sys.executable).parent / "jtorch"  # the console script, when installed in this venv
    if script.exists():
        assert _last_line(_run([str(script), "run", QUICKSTART], _env())) == "quickstart OK"


def test_quickstart_matches_real_torch():
    """Differential: the quickstart prints the same lines under real PyTorch and under jtorch."""
    if importlib.util.find_spec("torch") is None:
        pytest.skip("real torch (the oracle) is not installed")
    ref = _run([sys.executable, QUICKSTART], _env())
    got = _run([sys.executable, QUICKSTART], _shim_env())
    ref_lines, got_lines = ref.stdout.splitlines(), got.stdout.splitlines()
    for i, (want, have) in enumerate(zip(ref_lines, got_lines), 1):
        assert have == want, f"line {i} differs:\n torch:  {want!r}\n jtorch: {have!r}"
    assert len(got_lines) == len(ref_lines), f"torch:\n{ref.stdout}\njtorch:\n{got.stdout}"


ALIAS_CHECK = """
import importlib, importlib.util, os, sys
import torch
import jtorch

def has(name):
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:
        return False

assert torch.__name__ == "jtorch", torch.__name__
assert torch is jtorch and sys.modules["torch"] is jtorch
assert jtorch.__spec__.name == "jtorch", jtorch.__spec__
if has("jtorch.nn"):
    import torch.nn as nn
    from torch import nn as nn2
    assert nn is nn2 is jtorch.nn is sys.modules["torch.nn"] is sys.modules["jtorch.nn"], nn
    assert nn.__spec__.name == "jtorch.nn", nn.__spec__
for sub in ["nn", "nn.functional", "optim", "utils", "utils.data", "autograd", "cuda", "linalg"]:
    if not has("jtorch." + sub):
        try:
            importlib.import_module("torch." + sub)
        except ModuleNotFoundError:
            continue
        raise AssertionError("torch." + sub + " imported though jtorch lacks it")
    mod = importlib.import_module("torch." + sub)
    assert mod is importlib.import_module("jtorch." + sub), sub
    assert sys.modules["torch." + sub] is sys.modules["jtorch." + sub], sub
    assert mod.__name__ == "jtorch." + sub and mod.__spec__.name == "jtorch." + sub, sub
if has("jtorch.utils.data"):
    from torch.utils.data import DataLoader
    from jtorch.utils.data import DataLoader as D2
    assert DataLoader is D2
# nothing of the real PyTorch got imported
for name, m in list(sys.modules.items()):
    f = getattr(m, "__file__", None) or ""
    assert os.sep + "site-packages" + os.sep + "torch" + os.sep not in f, (name, f)
print("aliases OK")
"""


@pytest.mark.parametrize("how", ["compat", "cli"])
def test_torch_names_are_jtorch_modules(tmp_path, how):
    script = tmp_path / "check_aliases.py"
    script.write_text(ALIAS_CHECK)
    if how == "compat":
        proc = _run([sys.executable, str(script)], _shim_env())
    else:
        proc = _run(_jtorch_cli(script), _env(ROOT))
    assert _last_line(proc) == "aliases OK"


MISSING_CHECK = """
import sys
try:
    import torch.foo_bar
except ModuleNotFoundError as e:
    msg = str(e)
    assert e.name == "torch.foo_bar", e.name
    assert "torch.foo_bar" in msg and "jtorch.foo_bar" in msg, msg
    assert "torch.foo_bar" not in sys.modules and "jtorch.foo_bar" not in sys.modules
    print("missing OK")
else:
    raise AssertionError("import torch.foo_bar succeeded")
"""


@pytest.mark.parametrize("how", ["compat", "cli"])
def test_missing_submodule_is_clean_error(tmp_path, how):
    script = tmp_path / "missing.py"
    script.write_text(MISSING_CHECK)
    if how == "compat":
        proc = _run([sys.executable, str(script)], _shim_env())
    else:
        proc = _run(_jtorch_cli(script), _env(ROOT))
    assert _last_line(proc) == "missing OK"


def test_cli_passes_argv_name_and_path(tmp_path):
    (tmp_path / "helper_mod.py").write_text("VALUE = 41\n")
    script = tmp_path / "argv_check.py"
    script.write_text(
        "import sys, helper_mod  # importable: the script's folder is sys.path[0]\n"
        "import torch\n"
        "print(repr(sys.argv[1:]), __name__, helper_mod.VALUE + 1, torch.__name__)\n"
    )
    want = "['a', '--flag', '-x'] __main__ 42 jtorch"
    assert _last_line(_run(_jtorch_cli(script, "a", "--flag", "-x"), _env(ROOT))) == want
    code = f"import sys; from jtorch._cli import main; sys.exit(main(['run', {str(script)!r}, 'a', '--flag', '-x']))"
    assert _last_line(_run([sys.executable, "-c", code], _env(ROOT))) == want


def test_cli_exit_status_help_and_version(tmp_path):
    fail = tmp_path / "fail.py"
    fail.write_text("import sys\nsys.exit(3)\n")
    assert _run(_jtorch_cli(fail), _env(ROOT), check=False).returncode == 3
    missing = _run(_jtorch_cli(tmp_path / "nope.py"), _env(ROOT), check=False)
    assert missing.returncode == 2 and "nope.py" in missing.stderr
    assert "jtorch run" in _run(_jtorch_cli("-h"), _env(ROOT)).stdout
    assert _last_line(_run(_jtorch_cli("--version"), _env(ROOT))).startswith("jtorch ")
    assert _run(_jtorch_cli(), _env(ROOT), check=False).returncode == 2


def test_shim_install_is_idempotent():
    code = textwrap.dedent(
        """
        import importlib.util, sys
        from jtorch import _shim
        _shim.install(); _shim.install()
        assert sum(isinstance(f, _shim.ShimFinder) for f in sys.meta_path) == 1
        assert _shim.ALIASES["torch"] == "jtorch"
        assert _shim.target_of("torch.nn.functional") == "jtorch.nn.functional"
        assert _shim.target_of("torchx") is None and _shim.target_of("numpy") is None
        for name, target in _shim.ALIASES.items():
            assert importlib.util.find_spec(target) is not None, (name, target)
        print("install OK")
        """
    )
    assert _last_line(_run([sys.executable, "-c", code], _env(ROOT))) == "install OK"
