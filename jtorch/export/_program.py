"""torch.export.export / save / load built on jtorch's StableHLO exporter."""
from .._compile import export as X

__all__ = ["ExportedProgram", "Dim", "export", "save", "load"]


class Dim:
    """torch.export.Dim: a named dynamic dimension (jtorch supports it on dim 0)."""

    def __init__(self, name, *, min=None, max=None):
        self.__name__ = name
        self.min, self.max = min, max

    def __repr__(self):
        return f"Dim({self.__name__!r})"


class ExportedProgram:
    """What torch.export.export returns: the program, its weights, `module()` to run it."""

    def __init__(self, program):
        self._program = program

    def module(self):
        """A callable running the program on Tensors."""
        return self._program

    @property
    def state_dict(self):
        """The weights by torch's state_dict names."""
        return self._program.state_dict()

    @property
    def graph(self):
        """The StableHLO text of the program."""
        return self._program.code

    def __call__(self, *args, **kwargs):
        raise RuntimeError("Unable to call ExportedProgram directly. You should use "
                           "`exported_program.module()` instead.")

    def __str__(self):
        return f"ExportedProgram:\n{self.graph}"


def _dynamic_batch(dynamic_shapes, n):
    if dynamic_shapes is None:
        return False
    specs = list(dynamic_shapes.values()) if isinstance(dynamic_shapes, dict) \
        else list(dynamic_shapes)
    dims = []
    for s in specs:
        if s is None:
            continue
        items = s.items() if isinstance(s, dict) else enumerate(s)
        for d, v in items:
            if v is None:
                continue
            if d != 0:
                raise NotImplementedError("jtorch.export: only dimension 0 can be dynamic")
            dims.append(v)
    if dims and len(specs) != n or len({getattr(d, "__name__", d) for d in dims}) > 1:
        raise NotImplementedError("jtorch.export: one dynamic batch dimension shared by every "
                                  "input is supported")
    return bool(dims)


def export(mod, args, kwargs=None, *, dynamic_shapes=None, strict=False,
           preserve_module_call_signature=()):
    """torch.export.export: trace mod(*args) into an ExportedProgram (static shapes unless
    dynamic_shapes marks dim 0 with a Dim)."""
    if kwargs:
        raise NotImplementedError("jtorch.export: keyword inputs are not supported")
    args = tuple(args)
    fn = mod.__call__ if hasattr(mod, "_parameters") else mod
    dyn = _dynamic_batch(dynamic_shapes, len(args))
    X.EXPORTING[0] += 1  # NOTE: torch.compiler.is_exporting() reads True while this traces
    try:
        return ExportedProgram(X.Program(*X.export_program(fn, args, dynamic_batch=dyn)))
    finally:
        X.EXPORTING[0] -= 1


def save(ep, f, *, extra_files=None, opset_version=None, pickle_protocol=2):
    """torch.export.save: write an ExportedProgram (zip of StableHLO, weights, metadata)."""
    if not isinstance(ep, ExportedProgram):
        raise TypeError(f"The 'ep' parameter must be an instance of 'ExportedProgram', got "
                        f"'{type(ep).__name__}' instead.")
    X.save_program(ep._program, f)


def load(f, *, extra_files=None, expected_opset_version=None):
    """torch.export.load: read an ExportedProgram written by save()."""
    return ExportedProgram(X.load_program(f))
