"""Export a module or function to a StableHLO program (jax.export) plus its weights, and load it.

A saved program is a zip: `program.bin` (jax.export's serialized StableHLO, lowered for cpu, cuda
and tpu), `weights.npz` (the parameters and buffers, loaded with allow_pickle=False) and
`meta.json` (names, input count, output structure). Loading needs neither the Python class nor
pickle: nothing in the file can run code.
"""
import io
import json
import zipfile

import jax
import jax.numpy as jnp
import numpy as np

from . import state as S
from .compiled import _flatten, make_pure

__all__ = ["export_program", "inference_program", "Program", "save_program",
           "load_program", "PLATFORMS"]

PLATFORMS = ("cpu", "cuda", "tpu")
_FORMAT = "jtorch.export/1"

# NOTE: > 0 while torch.export.export traces a model (torch.compiler.is_exporting)
EXPORTING = [0]


def _state_names(fn, tensors):
    """torch's state_dict names for the state tensors of a module (others: `_tensor_<i>`)."""
    names = {}
    mod = getattr(fn, "__self__", fn)
    if S._is_module(mod):
        for n, t in list(mod.named_parameters(remove_duplicate=False)) + \
                list(mod.named_buffers(remove_duplicate=False)):
            names.setdefault(id(t if t._base is None else t._base), n)
    return [names.get(id(t), f"_tensor_{i}") for i, t in enumerate(tensors)]


def _describe(tree_leaves_kinds, tree):
    """A JSON description of the output structure (tensors are numbered in order)."""
    it = iter(range(len(tree_leaves_kinds)))
    kinds = tree_leaves_kinds

    def walk(node):
        if isinstance(node, (tuple, list)):
            return {"seq": type(node).__name__, "items": [walk(x) for x in node]}
        if isinstance(node, dict):
            return {"dict": [[k, walk(v)] for k, v in node.items()]}
        i = next(it)
        is_t, const, _ = kinds[i]
        if is_t:
            return {"tensor": sum(1 for k in kinds[:i] if k[0])}
        if not isinstance(const, (bool, int, float, str, type(None))):
            raise RuntimeError(f"export: outputs may hold tensors and Python scalars/strings, not "
                               f"{type(const).__name__}")
        return {"const": const}
    placeholder = jax.tree_util.tree_unflatten(tree, list(range(len(kinds))))
    return walk(placeholder)


def _build(desc, tensors):
    if "seq" in desc:
        items = [_build(d, tensors) for d in desc["items"]]
        return tuple(items) if desc["seq"] == "tuple" else items
    if "dict" in desc:
        return {k: _build(v, tensors) for k, v in desc["dict"]}
    if "tensor" in desc:
        return tensors[desc["tensor"]]
    return desc["const"]


def inference_program(fn, args):
    """(program(state_arrays, input_arrays) -> output arrays, state arrays, state names, spec):
    fn(*args) as a pure function in no_grad mode."""
    from .._tensor import Tensor
    from ..autograd import grad_mode
    args = tuple(args)
    if any(not isinstance(a, Tensor) for a in args):
        raise TypeError("export: example inputs must be Tensors")
    st = S.TensorState(S.collect(fn, args, {}))
    st.grad_owners = []  # NOTE: an exported program is inference: no .grad state
    leaves, treedef = _flatten((args, {}))
    pure, spec = make_pure(fn, leaves, treedef, st)
    key = jax.random.PRNGKey(0)

    def program(arrs, ins):
        with grad_mode.no_grad():
            outs = pure(arrs, [], key, ins)[0]
            outs = outs[:len(outs) - len(spec["mutated"])]
            return [o for o in outs if o is not None]
    arrs, _ = st.arrays()
    return program, arrs, _state_names(fn, st.tensors), spec


def export_program(fn, args, dynamic_batch=True, platforms=PLATFORMS):
    """(jax.export.Exported, weights {name: array}, meta) for fn(*args) in no_grad mode; with
    dynamic_batch, dim 0 of every tensor argument is the symbolic dimension `batch`."""
    program, arrs, names, spec = inference_program(fn, args)
    if dynamic_batch and args and all(a.dim() > 0 for a in args):
        b, = jax.export.symbolic_shape("batch")
        in_specs = [jax.ShapeDtypeStruct((b,) + tuple(a.shape[1:]), a._a.dtype) for a in args]
    else:
        in_specs = [jax.ShapeDtypeStruct(tuple(a.shape), a._a.dtype) for a in args]
    st_specs = [jax.ShapeDtypeStruct(a.shape, a.dtype) for a in arrs]
    try:
        exp = jax.export.export(jax.jit(program), platforms=list(platforms))(st_specs, in_specs)
    except Exception as e:
        if not dynamic_batch:
            raise
        raise RuntimeError(f"export: the program could not be traced with a symbolic batch "
                           f"dimension ({type(e).__name__}: {e}); export with a fixed batch "
                           f"size instead (dynamic_batch=False)") from e
    weights = {n: np.asarray(a) for n, a in zip(names, arrs)}
    meta = {"format": _FORMAT, "names": names, "n_inputs": len(args),
            "outputs": _describe(spec["kinds"], spec["tree"]),
            "platforms": list(platforms), "dynamic_batch": bool(dynamic_batch),
            "jax_version": jax.__version__}
    return exp, weights, meta


class Program:
    """A loaded (or freshly exported) StableHLO program with its weights; call it on Tensors."""

    def __init__(self, exported, weights, meta):
        self.exported = exported
        self.meta = meta
        self._names = list(meta["names"])
        self._weights = [jnp.asarray(weights[n]) for n in self._names]
        self._call = jax.jit(exported.call)

    def __call__(self, *inputs):
        from .._tensor import Tensor, wrap
        if len(inputs) != self.meta["n_inputs"]:
            raise TypeError(f"forward() expected {self.meta['n_inputs']} inputs, got "
                            f"{len(inputs)}")
        ins = []
        for i, (x, aval) in enumerate(zip(inputs, self.exported.in_avals[len(self._names):])):
            a = x._arr() if isinstance(x, Tensor) else jnp.asarray(x)
            if a.ndim != len(aval.shape) or a.dtype != aval.dtype or any(
                    isinstance(d, int) and d != s for d, s in zip(aval.shape, a.shape)):
                raise RuntimeError(f"input {i}: expected a tensor of shape "
                                   f"{[str(d) for d in aval.shape]} and dtype {aval.dtype}, got "
                                   f"shape {list(a.shape)} and dtype {a.dtype}")
            ins.append(a)
        outs = self._call(self._weights, ins)
        return _build(self.meta["outputs"], [wrap(o) for o in outs])

    def state_dict(self):
        """The program's weights by torch's state_dict names."""
        from .._tensor import wrap
        return {n: wrap(a) for n, a in zip(self._names, self._weights)}

    @property
    def code(self):
        """The StableHLO text of the program."""
        return self.exported.mlir_module()

    graph = code

    def to(self, device):
        """Move the weights to a device (the program runs on any platform it was lowered for)."""
        from .._device import device as _dev, to_jax_device
        d = to_jax_device(_dev(device))
        self._weights = [jax.device_put(w, d) for w in self._weights]
        return self


def save_program(prog, f):
    """Write a Program to a path or binary file object (a zip; see the module docstring)."""
    buf = io.BytesIO()
    np.savez(buf, **{f"w{i}": np.asarray(w) for i, w in enumerate(prog._weights)})
    data = {"program.bin": bytes(prog.exported.serialize()),
            "weights.npz": buf.getvalue(), "meta.json": json.dumps(prog.meta).encode()}
    if isinstance(f, (str, bytes)) or hasattr(f, "__fspath__"):
        import os
        import tempfile
        path = os.fspath(f)
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(os.path.abspath(path)) or ".",
                                   suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                _write_zip(fh, data)
            os.replace(tmp, path)  # NOTE: atomic: a crash never leaves a half-written file
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
    else:
        _write_zip(f, data)


def _write_zip(fh, data):
    with zipfile.ZipFile(fh, "w", zipfile.ZIP_STORED) as z:
        for k, v in data.items():
            z.writestr(k, v)


def load_program(f):
    """Read a Program written by save_program (no pickle, no Python class needed)."""
    try:
        with zipfile.ZipFile(f) as z:
            names = set(z.namelist())
            missing = {"program.bin", "weights.npz", "meta.json"} - names
            if missing:
                raise RuntimeError(f"not a jtorch exported program: missing {sorted(missing)}")
            meta = json.loads(z.read("meta.json"))
            blob = z.read("program.bin")
            npz = np.load(io.BytesIO(z.read("weights.npz")), allow_pickle=False)
    except zipfile.BadZipFile as e:
        raise RuntimeError(f"not a jtorch exported program (not a zip file: {e})") from None
    if meta.get("format") != _FORMAT:
        raise RuntimeError(f"unsupported exported program format {meta.get('format')!r}")
    exp = jax.export.deserialize(bytearray(blob))
    try:
        exp.mlir_module()  # NOTE: fails here, not at the first call, when JAX cannot read it
    except Exception as e:  # noqa: BLE001 - jaxlib raises its own runtime error class
        raise RuntimeError(
            f"cannot load this exported program: it was written by jax "
            f"{meta.get('jax_version', '(unrecorded version)')} and this JAX "
            f"({jax.__version__}) cannot read its StableHLO ({type(e).__name__}: "
            f"{str(e).splitlines()[0]}). StableHLO artifacts load in the same or newer JAX "
            f"versions; export with the older one.") from None
    weights = {n: npz[f"w{i}"] for i, n in enumerate(meta["names"])}
    return Program(exp, weights, meta)
