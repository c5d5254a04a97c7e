"""Inference tensors against torch 2.13: what is_inference() says for tensors made inside and
outside inference_mode (op results, views, clones, factories), inference_mode(False), and the
grad/inference flags each nesting leaves on."""
import pytest
import torch

import jtorch


def _run(lib):
    """The same script on torch or jtorch: is_inference() and mode flags at each step."""
    out = []
    x = lib.ones(2)
    p = lib.nn.Parameter(lib.ones(2))
    with lib.inference_mode():
        a, v, z, q = x * 2, x[:1], lib.zeros(3), p * 2
        out += [a.is_inference(), v.is_inference(), z.is_inference(), q.is_inference(),
                q.requires_grad, lib.is_inference_mode_enabled(), lib.is_grad_enabled()]
        with lib.inference_mode(False):
            b = x * 2
            out += [b.is_inference(), lib.is_inference_mode_enabled(), lib.is_grad_enabled()]
        out += [lib.is_inference_mode_enabled(), lib.is_grad_enabled()]
    out += [a[:1].is_inference(), a.clone().is_inference(), (a * 1).is_inference(),
            lib.is_inference(a), lib.is_inference(x), x.is_inference()]
    with lib.no_grad():
        out += [(x * 2).is_inference()]
        with lib.inference_mode(False):
            out += [lib.is_grad_enabled(), lib.is_inference_mode_enabled()]
        out += [lib.is_grad_enabled()]

    @lib.inference_mode()
    def f(t):
        return t + 1
    out += [f(x).is_inference(), lib.is_inference_mode_enabled()]
    return out


def test_inference_tensors_match_torch():
    assert _run(jtorch) == _run(torch)


def test_is_inference_rejects_non_tensors_like_torch():
    for lib in (torch, jtorch):
        with pytest.raises(TypeError, match=r"is_inference\(\): argument 'input' \(position 1\) "
                                            r"must be Tensor, not int"):
            lib.is_inference(3)
