"""nn.utils.fusion, nn.utils.stateless, skip_init and the clip_grad / convert_parameters modules."""
import warnings

import pytest
import torch

import jtorch
from _harness import assert_same, assert_same_error, make_array, pair, to_jt

TOL = dict(rtol=1e-5, atol=1e-5)


def copy_into(jm, tm, seed=0):
    """Randomize torch's parameters and buffers (positive for running_var), copy to jtorch."""
    with torch.no_grad():
        for i, (n, t) in enumerate(list(tm.named_parameters()) + list(tm.named_buffers())):
            if t.dtype.is_floating_point:
                low = 0.5 if n.endswith("running_var") else -1
                t.copy_(torch.from_numpy(make_array(tuple(t.shape), seed=seed + i, low=low,
                                                    high=1.5)))
    jm.load_state_dict({k: to_jt(v) for k, v in tm.state_dict().items()})


def both(build, seed=0):
    tm, jm = build(torch), build(jtorch)
    copy_into(jm, tm, seed)
    return jm, tm


CONV_CASES = [
    (lambda L: L.nn.Conv2d(3, 4, 3), lambda L: L.nn.BatchNorm2d(4), False, (2, 3, 6, 6)),
    (lambda L: L.nn.Conv1d(3, 4, 2, bias=False), lambda L: L.nn.BatchNorm1d(4, affine=False),
     False, (2, 3, 7)),
    (lambda L: L.nn.ConvTranspose2d(3, 4, 2), lambda L: L.nn.BatchNorm2d(4, eps=1e-3), True,
     (1, 3, 4, 4)),
]


@pytest.mark.parametrize("conv,bn,transpose,shape", CONV_CASES)
def test_fuse_conv_bn_eval(conv, bn, transpose, shape):
    (jc, tc), (jb, tb) = both(conv), both(bn, seed=10)
    for m in (jc, tc, jb, tb):
        m.eval()
    jf = jtorch.nn.utils.fuse_conv_bn_eval(jc, jb, transpose=transpose)
    tf = torch.nn.utils.fuse_conv_bn_eval(tc, tb, transpose=transpose)
    assert type(jf) is type(jc) and jf is not jc
    for (jn, jp), (tn, tp) in zip(jf.named_parameters(), tf.named_parameters()):
        assert jn == tn and isinstance(jp, jtorch.nn.Parameter)
        assert jp.requires_grad == tp.requires_grad
        assert_same(jp, tp, **TOL)
    j, t = pair(make_array(shape, seed=3, low=-1, high=1))
    assert_same(jf(j), tf(t), **TOL)
    assert_same(jc(j), tc(t), **TOL)  # the original conv is untouched


def test_fuse_linear_bn_eval_and_errors():
    for nf in (4, 1):
        (jl, tl), (jb, tb) = both(lambda L: L.nn.Linear(5, 4)), \
            both(lambda L, nf=nf: L.nn.BatchNorm1d(nf), seed=7)
        for m in (jl, tl, jb, tb):
            m.eval()
        jf, tf = jtorch.nn.utils.fuse_linear_bn_eval(jl, jb), \
            torch.nn.utils.fuse_linear_bn_eval(tl, tb)
        assert_same(jf.weight, tf.weight, **TOL)
        assert_same(jf.bias, tf.bias, **TOL)
        j, t = pair(make_array((3, 5), seed=2))
        assert_same(jf(j), tf(t), **TOL)
    (jl, tl), (jb, tb) = both(lambda L: L.nn.Linear(5, 4)), both(lambda L: L.nn.BatchNorm1d(3))
    assert_same_error(lambda: jtorch.nn.utils.fuse_linear_bn_eval(jl, jb),
                      lambda: torch.nn.utils.fuse_linear_bn_eval(tl, tb))
    jl.eval(), tl.eval(), jb.eval(), tb.eval()
    assert_same_error(lambda: jtorch.nn.utils.fuse_linear_bn_eval(jl, jb),
                      lambda: torch.nn.utils.fuse_linear_bn_eval(tl, tb))
    (jc, tc), (jb, tb) = both(lambda L: L.nn.Conv2d(2, 3, 1)), both(lambda L: L.nn.BatchNorm2d(3))
    jc.eval(), tc.eval()
    assert_same_error(lambda: jtorch.nn.utils.fusion.fuse_conv_bn_eval(jc, jb),
                      lambda: torch.nn.utils.fusion.fuse_conv_bn_eval(tc, tb))


def test_fuse_weights_functions():
    arrs = [make_array(s, "float64", seed=i, low=0.5, high=2)
            for i, s in enumerate([(4, 2, 3), (4,), (4,), (4,), (4,), (4,)])]
    jw, jb_, jrm, jrv, jbw, jbb = [to_jt(a) for a in arrs]
    tw, tb_, trm, trv, tbw, tbb = [torch.from_numpy(a) for a in arrs]
    jw.requires_grad_(False)
    for args in ((jb_, jbw, jbb), (None, None, None)):
        targs = tuple(None if a is None else {id(jb_): tb_, id(jbw): tbw, id(jbb): tbb}[id(a)]
                      for a in args)
        jr = jtorch.nn.utils.fuse_conv_bn_weights(jw, args[0], jrm, jrv, 1e-5, args[1], args[2])
        tr = torch.nn.utils.fuse_conv_bn_weights(tw, targs[0], trm, trv, 1e-5, targs[1], targs[2])
        for a, b in zip(jr, tr):
            assert type(a) is jtorch.nn.Parameter and a.requires_grad == b.requires_grad
            assert_same(a, b)
    jlw, tlw = to_jt(arrs[0][:, :, 0]), torch.from_numpy(arrs[0][:, :, 0].copy())
    jr = jtorch.nn.utils.fusion.fuse_linear_bn_weights(jlw, None, jrm, jrv, 0.1, jbw, jbb)
    tr = torch.nn.utils.fusion.fuse_linear_bn_weights(tlw, None, trm, trv, 0.1, tbw, tbb)
    for a, b in zip(jr, tr):
        assert a.requires_grad == b.requires_grad
        assert_same(a, b)


# ---- stateless --------------------------------------------------------------------------------

class Tied:
    """A module whose two Linear layers share one weight Parameter (built for torch or jtorch)."""

    @staticmethod
    def build(L):
        m = L.nn.Sequential(L.nn.Linear(3, 3), L.nn.ReLU(), L.nn.Linear(3, 3))
        m[2].weight = m[0].weight
        m.register_buffer("scale", L.ones(3))
        return m


def test_stateless_functional_call_and_warning():
    jm, tm = both(Tied.build)
    w = make_array((3, 3), seed=5)
    j, t = pair(make_array((2, 3), seed=6))
    jw, tw = to_jt(w).requires_grad_(), torch.from_numpy(w).requires_grad_()
    with pytest.warns(FutureWarning) as rec:
        jo = jtorch.nn.utils.stateless.functional_call(jm, {"0.weight": jw}, (j,))
    with pytest.warns(FutureWarning) as trec:
        to = torch.nn.utils.stateless.functional_call(tm, {"0.weight": tw}, (t,))
    assert str(rec[0].message) == str(trec[0].message)
    assert rec[0].filename == __file__
    assert_same(jo, to, **TOL)
    jo.sum().backward()
    to.sum().backward()
    assert_same(jw.grad, tw.grad, **TOL)
    assert jm[0].weight.grad is None and tm[0].weight.grad is None
    assert_same(jm(j), tm(t), **TOL)  # originals restored
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        # NOTE: tie_weights=False replaces only the given name
        assert_same(jtorch.nn.utils.stateless.functional_call(
                        jm, {"0.weight": jw.detach()}, j, tie_weights=False),
                    torch.nn.utils.stateless.functional_call(
                        tm, {"0.weight": tw.detach()}, t, tie_weights=False), **TOL)
        assert_same(jtorch.nn.utils.stateless.functional_call(
                        jm, {"scale": jtorch.full((3,), 2.0)}, kwargs={"input": j}),
                    torch.nn.utils.stateless.functional_call(
                        tm, {"scale": torch.full((3,), 2.0)}, kwargs={"input": t}), **TOL)


def test_stateless_errors():
    jm, tm = both(Tied.build)
    j, t = pair(make_array((2, 3), seed=6))
    f_j = jtorch.nn.utils.stateless._functional_call
    f_t = torch.nn.utils.stateless._functional_call
    assert_same_error(lambda: f_j(jm, {"0.weight": jtorch.ones(3, 3),
                                       "2.weight": jtorch.zeros(3, 3)}, j),
                      lambda: f_t(tm, {"0.weight": torch.ones(3, 3),
                                       "2.weight": torch.zeros(3, 3)}, t))
    assert_same_error(lambda: f_j(jm, {"0.weight": jtorch.ones(3, 3), "nope": jtorch.ones(1)},
                                  j, strict=True),
                      lambda: f_t(tm, {"0.weight": torch.ones(3, 3), "nope": torch.ones(1)},
                                  t, strict=True))
    full_t = dict(tm.named_parameters(remove_duplicate=False))
    full_t.update(tm.named_buffers())
    memo = {}  # NOTE: the tied names must get one (identical) jtorch tensor, as in torch
    full_j = {k: memo.setdefault(id(v), to_jt(v)) for k, v in full_t.items()}
    assert_same(f_j(jm, full_j, j, strict=True), f_t(tm, full_t, t, strict=True), **TOL)
    assert_same_error(lambda: f_j(jm, [{}], j), lambda: f_t(tm, [{}], t))
    assert_same_error(lambda: f_j(jtorch.nn.DataParallel(jm), {}, j),
                      lambda: f_t(torch.nn.DataParallel(tm), {}, t))


# ---- skip_init and the public module paths ------------------------------------------------------

def test_skip_init():
    jm = jtorch.nn.utils.skip_init(jtorch.nn.Linear, 4, 3, bias=False)
    tm = torch.nn.utils.skip_init(torch.nn.Linear, 4, 3, bias=False)
    assert [(n, tuple(p.shape)) for n, p in jm.named_parameters()] == \
        [(n, tuple(p.shape)) for n, p in tm.named_parameters()]
    assert jtorch.nn.utils.init.skip_init is jtorch.nn.utils.skip_init
    assert_same_error(lambda: jtorch.nn.utils.skip_init(int),
                      lambda: torch.nn.utils.skip_init(int))
    assert_same_error(lambda: jtorch.nn.utils.skip_init(jtorch.nn.ReLU),
                      lambda: torch.nn.utils.skip_init(torch.nn.ReLU))


@pytest.mark.parametrize("mod", ["clip_grad", "convert_parameters", "stateless", "fusion",
                                 "init"])
def test_public_module_names(mod):
    import importlib
    tmod = importlib.import_module(f"torch.nn.utils.{mod}")
    jmod = importlib.import_module(f"jtorch.nn.utils.{mod}")
    assert getattr(jmod, "__all__", None) == getattr(tmod, "__all__", getattr(jmod, "__all__"))
    public = {n for n in dir(tmod) if not n.startswith("_") and callable(getattr(tmod, n))
              and getattr(getattr(tmod, n), "__module__", None) == tmod.__name__}
    assert public <= set(dir(jmod)), public - set(dir(jmod))
    for n in public:
        assert callable(getattr(jmod, n))


def test_clip_grad_module_aliases():
    cg = jtorch.nn.utils.clip_grad
    assert cg._get_total_norm is jtorch.nn.utils.get_total_norm
    assert cg._clip_grads_with_norm_ is jtorch.nn.utils.clip_grads_with_norm_
    assert not hasattr(cg, "get_total_norm") and not hasattr(torch.nn.utils.clip_grad,
                                                             "get_total_norm")
    j = [jtorch.nn.Parameter(jtorch.ones(3))]
    t = [torch.nn.Parameter(torch.ones(3))]
    j[0].grad, t[0].grad = jtorch.full((3,), 4.0), torch.full((3,), 4.0)
    assert_same(cg.clip_grad_norm_(j, 1.0), torch.nn.utils.clip_grad.clip_grad_norm_(t, 1.0))
    assert_same(j[0].grad, t[0].grad)
    cp = jtorch.nn.utils.convert_parameters
    assert_same(cp.parameters_to_vector(j),
                torch.nn.utils.convert_parameters.parameters_to_vector(t))
