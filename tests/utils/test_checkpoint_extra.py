"""torch.utils.checkpoint extras: CheckpointFunction, device states, early stop, selective
checkpointing contexts and policies, differential against torch."""
import functools
import warnings

import numpy as np
import pytest
import torch
import torch.utils.checkpoint as tc

import jtorch
import jtorch.utils.checkpoint as jc
from _harness import assert_same_error

_X = np.linspace(-1.5, 2.0, 12, dtype=np.float32).reshape(3, 4)
_W = np.linspace(0.3, -0.7, 16, dtype=np.float32).reshape(4, 4)


def _close(j, t):
    np.testing.assert_allclose(j.detach().numpy(), t.detach().numpy(), rtol=1e-5, atol=1e-6)


def _inputs(lib, rg=True):
    return lib.tensor(_X, requires_grad=rg), lib.tensor(_W, requires_grad=True)


def _fn(lib):
    def f(x, w, scale):
        h = (x @ w).tanh() * scale
        return h, h.exp().sum(1)
    return f


def test_names_exported():
    for name in tc.__all__:
        assert name in jc.__all__, name
        assert hasattr(jc, name), name
    assert [(m.name, m.value) for m in jc.CheckpointPolicy] == \
        [(m.name, m.value) for m in tc.CheckpointPolicy]
    assert issubclass(jc.CheckpointError, RuntimeError)
    assert isinstance(jc.SAC_IGNORED_OPS, set)


@pytest.mark.parametrize("preserve", [True, False])
def test_checkpoint_function_values_grads_and_node(preserve):
    def run(lib, mod):
        x, w = _inputs(lib)
        out = mod.CheckpointFunction.apply(_fn(lib), preserve, x, w, 2.0)
        names = [o.grad_fn.name() for o in out]
        (out[0].sum() + out[1].pow(2).sum()).backward()
        return out, x.grad, w.grad, names
    j, t = run(jtorch, jc), run(torch, tc)
    for a, b in zip(j[0], t[0]):
        _close(a, b)
    _close(j[1], t[1])
    _close(j[2], t[2])
    assert [n.rsplit(".", 1)[-1] for n in j[3]] == [n.rsplit(".", 1)[-1] for n in t[3]]


def test_checkpoint_function_recomputes_with_forward_rng():
    """With preserve_rng_state the recomputed dropout mask is the forward one (grads equal a
    plain run's); without it the mask is redrawn (they differ) - in both libraries."""
    def run(lib, mod, preserve):
        x, w = _inputs(lib)

        def f(a):
            return lib.nn.functional.dropout(a @ w, 0.5, training=True).tanh()
        lib.manual_seed(3)
        mod.CheckpointFunction.apply(f, preserve, x).sum().backward()
        ckpt = x.grad.clone()
        x.grad = None
        lib.manual_seed(3)
        f(x).sum().backward()
        return bool((ckpt == x.grad).all())
    for preserve in (True, False):
        assert run(jtorch, jc, preserve) == run(torch, tc, preserve) == preserve


def test_checkpoint_function_errors_and_warning():
    def with_grad(lib, mod):
        x, w = _inputs(lib)
        y = mod.CheckpointFunction.apply(_fn(lib), True, x, w, 2.0)[0]
        return lambda: lib.autograd.grad(y.sum(), x)

    def with_inputs(lib, mod):
        x, w = _inputs(lib)
        y = mod.CheckpointFunction.apply(_fn(lib), True, x, w, 2.0)[0]
        return lambda: y.sum().backward(inputs=[w])
    assert_same_error(with_grad(jtorch, jc), with_grad(torch, tc))
    assert_same_error(with_inputs(jtorch, jc), with_inputs(torch, tc))

    def no_grad_outputs(lib, mod):
        x, _ = _inputs(lib)
        y = mod.CheckpointFunction.apply(lambda a: a.detach() * 2, True, x)
        return lambda: y.sum().backward()
    assert_same_error(no_grad_outputs(jtorch, jc), no_grad_outputs(torch, tc))

    def warned(lib, mod):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            mod.CheckpointFunction.apply(lambda a: a * 2, True, lib.ones(2))
        return [(x.category, str(x.message)) for x in w]
    assert warned(jtorch, jc) == warned(torch, tc)


def test_device_states_and_default_device_type():
    assert jc.DefaultDeviceType.get_device_type() == tc.DefaultDeviceType.get_device_type()
    assert jc.get_device_states(jtorch.ones(2), 3, [jtorch.zeros(1)]) == \
        tc.get_device_states(torch.ones(2), 3, [torch.zeros(1)])
    jc.set_device_states([], [])
    tc.set_device_states([], [])
    prev_j, prev_t = jc.DefaultDeviceType._default_device_type, \
        tc.DefaultDeviceType._default_device_type
    try:
        jc.DefaultDeviceType.set_device_type("meta")
        tc.DefaultDeviceType.set_device_type("meta")
        assert jc.DefaultDeviceType.get_device_type() == tc.DefaultDeviceType.get_device_type()
        assert jc.set_device_states([0], [None]) is tc.set_device_states([0], [None]) is None
    finally:
        jc.DefaultDeviceType._default_device_type = prev_j
        tc.DefaultDeviceType._default_device_type = prev_t


def _policy_log(log):
    def policy(ctx, op, *args, **kwargs):
        log.append(op)
        return tc.CheckpointPolicy.PREFER_RECOMPUTE
    return policy


@pytest.mark.parametrize("early_stop", [True, False])
def test_selective_checkpoint_values_and_grads(early_stop):
    def run(lib, mod):
        x, w = _inputs(lib)
        ctx_fn = functools.partial(mod.create_selective_checkpoint_contexts, _policy_log([]))
        with mod.set_checkpoint_early_stop(early_stop):
            out = mod.checkpoint(_fn(lib), x, w, 0.5, use_reentrant=False, context_fn=ctx_fn)
        (out[0].sum() + out[1].sum()).backward()
        return out, x.grad, w.grad
    j, t = run(jtorch, jc), run(torch, tc)
    for a, b in zip(j[0], t[0]):
        _close(a, b)
    _close(j[1], t[1])
    _close(j[2], t[2])


def test_selective_checkpoint_contexts_shape_and_errors():
    jp, tp = jc.create_selective_checkpoint_contexts([]), \
        tc.create_selective_checkpoint_contexts([])
    assert isinstance(jp, tuple) and len(jp) == len(tp) == 2
    assert [type(c).__name__ for c in jp] == [type(c).__name__ for c in tp]
    assert_same_error(lambda: jc.create_selective_checkpoint_contexts(3),
                      lambda: tc.create_selective_checkpoint_contexts(3))
    assert_same_error(lambda: jc.create_selective_checkpoint_contexts(["mm"]),
                      lambda: tc.create_selective_checkpoint_contexts(["mm"]))
    # selective contexts need the non-reentrant variant
    assert_same_error(
        lambda: jc.checkpoint(jtorch.sin, jtorch.ones(2), use_reentrant=True,
                              context_fn=lambda: jc.create_selective_checkpoint_contexts([])),
        lambda: tc.checkpoint(torch.sin, torch.ones(2), use_reentrant=True,
                              context_fn=lambda: tc.create_selective_checkpoint_contexts([])))
    assert_same_error(
        lambda: jc.checkpoint(jtorch.sin, jtorch.ones(2), use_reentrant=False, debug=True,
                              context_fn=lambda: jc.create_selective_checkpoint_contexts([])),
        lambda: tc.checkpoint(torch.sin, torch.ones(2), use_reentrant=False, debug=True,
                              context_fn=lambda: tc.create_selective_checkpoint_contexts([])))

    def debug_ctx(mod, lib):
        def f():
            with mod.set_checkpoint_debug_enabled(True):
                mod.checkpoint(lib.sin, lib.ones(2), use_reentrant=False,
                               context_fn=lambda: mod.create_selective_checkpoint_contexts([]))
        return f
    assert_same_error(debug_ctx(jc, jtorch), debug_ctx(tc, torch))
    s = jc.SelectiveCheckpointContext(is_recompute=False)
    assert (s.is_recompute, s.op_output) == (False, None)
    assert_same_error(lambda: jc.SelectiveCheckpointContext(False),
                      lambda: tc.SelectiveCheckpointContext(False))


def test_early_stop_and_graph_exec_group_contexts():
    with jc.set_checkpoint_early_stop(False):
        from jtorch.utils import _checkpoint_extra as ex
        assert ex._enable_checkpoint_early_stop is False
    assert ex._enable_checkpoint_early_stop is None

    def nested(mod):
        def f():
            with mod.GraphExecGroup():
                with mod.GraphExecGroup():
                    pass
        return f
    ej = pytest.raises(RuntimeError, nested(jc))
    et = pytest.raises(RuntimeError, nested(tc))
    assert str(ej.value).split(" Already")[0] == str(et.value).split(" Already")[0]
    with jc.GraphExecGroup() as g:
        assert jc.GraphExecGroup._get_current_group() is g
    assert jc.GraphExecGroup._get_current_group() is None
