"""torch.nn.utils.stateless: the deprecated functional_call (torch.func.functional_call's alias)."""
import warnings

__all__ = ["functional_call"]

_DEPRECATION = ("`torch.nn.utils.stateless.functional_call` is deprecated as of PyTorch 2.0 and "
                "will be removed in a future version of PyTorch. Please use "
                "`torch.func.functional_call` instead which is a drop-in replacement.")


def _untie_named_tensors_map(module, parameters_and_buffers):
    """Extend the given {name: value} to every other name of a tied (shared) tensor."""
    all_named = dict(module.named_parameters(remove_duplicate=False))
    all_named.update(module.named_buffers(remove_duplicate=False))
    # NOTE: tensors are grouped by identity, as torch's dict keyed by Tensor does
    by_tensor = {}
    for name, tensor in all_named.items():
        by_tensor.setdefault(id(tensor), set()).add(name)
    tied = {n: names for names in by_tensor.values() if len(names) > 1 for n in names}
    given = set(parameters_and_buffers.keys())
    given_tied = {n for n in given if n in tied}
    for name in given_tied:
        names = tied[name]
        if len(names & given_tied) > 1 and \
                len({id(parameters_and_buffers[n]) for n in names if n in given}) != 1:
            raise ValueError(f"functional_call got multiple values for keys {sorted(names)}, "
                             f"which are tied. Consider using tie_weights=False")
    untied = dict(parameters_and_buffers)
    for name in given_tied:
        for other in tied[name]:
            untied[other] = parameters_and_buffers[name]
    return untied


def _check_keys(module, keys):
    """torch's strict check: every parameter/buffer name given, no other name."""
    valid = {n for n, _ in module.named_parameters(remove_duplicate=False)}
    valid.update(n for n, _ in module.named_buffers(remove_duplicate=False))
    keys = set(keys)
    missing, unexpected = sorted(valid - keys), sorted(keys - valid)
    msgs = []
    if unexpected:
        msgs.append(f"Unexpected key(s): {', '.join(map(repr, unexpected))}.")
    if missing:
        msgs.append(f"Missing key(s): {', '.join(map(repr, missing))}.")
    if msgs:
        raise RuntimeError("Error(s) in reparametrizing for {}:\n\t{}".format(
            module._get_name(), "\n\t".join(msgs)))


def functional_call(module, parameters_and_buffers, args=None, kwargs=None, *,
                    tie_weights=True, strict=False):
    """Call module with its parameters/buffers replaced (deprecated: use torch.func)."""
    warnings.warn(_DEPRECATION, FutureWarning, stacklevel=2)
    return _functional_call(module, parameters_and_buffers, args, kwargs,
                            tie_weights=tie_weights, strict=strict)


def _functional_call(module, parameters_and_buffers, args=None, kwargs=None, *,
                     tie_weights=True, strict=False):
    from ... import jit
    from ...func import functional_call as _func_call
    from ..parallel import DataParallel
    if jit.is_tracing() or jit.is_scripting() or isinstance(
            module, (jit.RecursiveScriptModule, jit.ScriptModule, jit.ScriptFunction)):
        raise RuntimeError("The stateless API can't be used with Jitted modules")
    if isinstance(module, DataParallel):
        raise RuntimeError("The stateless API can't be used with nn.DataParallel module")
    values = _untie_named_tensors_map(module, parameters_and_buffers) if tie_weights \
        else parameters_and_buffers
    if strict:
        _check_keys(module, values.keys())
    # NOTE: ties and the strict check are resolved above, so torch.func's call only swaps
    return _func_call(module, dict(values.items()), args, kwargs, tie_weights=False,
                      strict=False)
