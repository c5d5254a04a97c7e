"""torch.onnx.export: the module's inference program converted by jax2onnx."""
import os

from .._compile.export import inference_program

__all__ = ["export", "is_in_onnx_export"]

_EXPORTING = [False]


def is_in_onnx_export():
    """True while torch.onnx.export is tracing the model."""
    return _EXPORTING[0]


def export(model, args=(), f=None, *, kwargs=None, export_params=True, verbose=None,
           input_names=None, output_names=None, opset_version=None, dynamic_axes=None,
           keep_initializers_as_inputs=False, dynamo=False, training=None, **unused):
    """Write model(*args) as an ONNX file (inference mode; weights as initializers); returns
    the ONNX ModelProto. dynamic_axes names symbolic input dimensions as in torch."""
    try:
        import jax2onnx
    except ImportError:
        raise ImportError("torch.onnx.export needs the jax2onnx package: pip install "
                          "'jtorch-jax[onnx]'") from None
    from .._tensor import Tensor
    if kwargs:
        raise NotImplementedError("jtorch.onnx.export: keyword inputs are not supported")
    if not export_params:
        raise NotImplementedError("jtorch.onnx.export: export_params=False is not supported")
    args = (args,) if isinstance(args, Tensor) else tuple(args)
    fn = model.__call__ if hasattr(model, "_parameters") else model
    names = list(input_names or [f"input_{i}" for i in range(len(args))])
    if len(names) != len(args):
        raise ValueError(f"input_names has {len(names)} names for {len(args)} inputs")
    dyn = dynamic_axes or {}
    unknown = set(dyn) - set(names) - set(output_names or [])
    if unknown:
        raise ValueError(f"dynamic_axes names unknown inputs/outputs: {sorted(unknown)}")
    specs = []
    for name, a in zip(names, args):
        axes = dyn.get(name, {})
        if isinstance(axes, (list, tuple)):
            axes = {d: f"{name}_dynamic_axes_{d + 1}" for d in axes}
        specs.append(tuple(axes.get(d, s) for d, s in enumerate(a.shape)))
    _EXPORTING[0] = True
    try:
        program, arrs, _, _ = inference_program(fn, args)

        def onnx_fn(*ins):
            outs = program(arrs, list(ins))
            return outs[0] if len(outs) == 1 else tuple(outs)
        kw = {} if opset_version is None else {"opset": int(opset_version)}
        proto = jax2onnx.to_onnx(onnx_fn, specs, input_names=names, output_names=output_names,
                                 model_name=type(model).__name__, **kw)
    finally:
        _EXPORTING[0] = False
    if f is not None:
        data = proto.SerializeToString()
        if isinstance(f, (str, bytes)) or hasattr(f, "__fspath__"):
            with open(os.fspath(f), "wb") as fh:
                fh.write(data)
        else:
            f.write(data)
    return proto
