"""nn.Module and nn.Parameter: registration, traversal, state_dict, hooks, conversion vs torch.

Most tests build the same scenario twice, once with `torch` and once with `jtorch` passed in as
`T`, and compare what comes out (names, reprs, messages, values).
"""
import copy
import pickle
import warnings
from collections import OrderedDict

import numpy as np
import pytest
import torch

import jtorch
from _harness import assert_same, to_jt


def both(fn):
    """(jtorch result, torch result) of fn(T) for T in (jtorch, torch)."""
    return fn(jtorch), fn(torch)


def err(fn):
    """(exception class name, message) raised by fn()."""
    try:
        fn()
    except Exception as e:  # noqa: BLE001
        return type(e).__name__, str(e)
    return None


def copy_state(jm, tm):
    """Load torch module tm's state_dict into jtorch module jm (through NumPy)."""
    jm.load_state_dict({k: to_jt(v) for k, v in tm.state_dict().items()})


def make_net(T):
    """A small composite model built from T.nn."""
    nn = T.nn

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(4, 4)
            self.register_buffer("scale", T.ones(4))
            self.register_buffer("tmp", T.zeros(2), persistent=False)
            self.gamma = nn.Parameter(T.ones(4) * 0.5)

        def forward(self, x):
            return self.fc(x) * self.scale * self.gamma

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.inp = nn.Linear(3, 4)
            self.blocks = nn.ModuleList([Block(), Block()])
            self.head = nn.Sequential(OrderedDict(act=nn.Identity(), out=nn.Linear(4, 2, False)))
            self.extra = nn.ParameterList([nn.Parameter(T.ones(2))])

        def forward(self, x):
            x = self.inp(x)
            for b in self.blocks:
                x = b(x)
            return self.head(x) * self.extra[0]

    return Net()


# ---- Parameter -------------------------------------------------------------------------------

def test_parameter_basics():
    jp, tp = both(lambda T: T.nn.Parameter(T.tensor([[1.0, 2.0], [3.0, 4.0]])))
    assert repr(jp) == repr(tp) and str(jp) == str(tp)
    assert jp.requires_grad and jp.is_leaf and isinstance(jp, jtorch.Tensor)
    assert type(jp * 2) is jtorch.Tensor and type(jp.detach()) is jtorch.Tensor
    j, t = both(lambda T: T.nn.Parameter(T.ones(2), requires_grad=False))
    assert repr(j) == repr(t)
    j, t = both(lambda T: T.nn.Parameter())
    assert tuple(j.shape) == tuple(t.shape) == (0,)
    assert err(lambda: jtorch.nn.Parameter(jtorch.tensor([1, 2]))) == \
        err(lambda: torch.nn.Parameter(torch.tensor([1, 2])))
    jc = copy.deepcopy(jp)
    assert type(jc) is jtorch.nn.Parameter and jc is not jp and jc.requires_grad
    assert_same(jc, tp)
    jl = pickle.loads(pickle.dumps(jp))
    assert type(jl) is jtorch.nn.Parameter and jl.requires_grad
    assert_same(jl, tp)


def test_buffer_class():
    def f(T):
        m = T.nn.Module()
        m.a = T.nn.Buffer(T.ones(2))
        m.b = T.nn.Buffer(T.zeros(3), persistent=False)
        m.c = T.ones(1)  # plain tensor: an attribute, not a buffer
        return ([n for n, _ in m.named_buffers()], list(m.state_dict()),
                isinstance(m.a, T.nn.Buffer), isinstance(T.ones(1), T.nn.Buffer))
    assert both(f)[0] == both(f)[1]


# ---- registration and traversal ----------------------------------------------------------------

def test_names_order_and_state_dict_keys():
    jm, tm = both(make_net)
    assert [(n, tuple(p.shape)) for n, p in jm.named_parameters()] == \
        [(n, tuple(p.shape)) for n, p in tm.named_parameters()]
    assert [n for n, _ in jm.named_buffers()] == [n for n, _ in tm.named_buffers()]
    assert list(jm.state_dict()) == list(tm.state_dict())
    assert [n for n, _ in jm.named_modules()] == [n for n, _ in tm.named_modules()]
    assert [n for n, _ in jm.named_children()] == [n for n, _ in tm.named_children()]
    assert [n for n, _ in jm.named_parameters(prefix="model", recurse=True)] == \
        [n for n, _ in tm.named_parameters(prefix="model")]
    assert [n for n, _ in jm.blocks[0].named_parameters(recurse=False)] == \
        [n for n, _ in tm.blocks[0].named_parameters(recurse=False)]
    assert [n for n, _ in jm.named_modules(prefix="root")] == \
        [n for n, _ in tm.named_modules(prefix="root")]
    assert len(list(jm.parameters())) == len(list(tm.parameters()))
    assert len(list(jm.buffers())) == len(list(tm.buffers()))
    assert len(list(jm.modules())) == len(list(tm.modules()))
    assert len(list(jm.children())) == len(list(tm.children()))
    assert isinstance(jm.state_dict(), OrderedDict)
    assert jm.state_dict()._metadata == tm.state_dict()._metadata


def test_shared_modules_and_parameters_remove_duplicate():
    def f(T):
        nn = T.nn
        lin = nn.Linear(2, 2)
        m = nn.Sequential(lin, nn.ReLU() if hasattr(nn, "ReLU") else nn.Identity(), lin)
        m.tied = nn.Linear(2, 2)
        m.tied.weight = lin.weight
        return ([n for n, _ in m.named_parameters()],
                [n for n, _ in m.named_parameters(remove_duplicate=False)],
                [n for n, _ in m.named_modules()],
                [n for n, _ in m.named_modules(remove_duplicate=False)],
                list(m.state_dict()), [n for n, _ in m.named_children()])
    j, t = both(f)
    assert j[0] == t[0] and j[1] == t[1] and j[4] == t[4] and j[5] == t[5]
    assert len(j[2]) == len(t[2]) and len(j[3]) == len(t[3])


def test_attribute_protocol():
    def f(T):
        nn = T.nn
        m = nn.Module()
        out = []
        m.w = nn.Parameter(T.ones(2))
        m.sub = nn.Linear(1, 1)
        m.register_buffer("buf", T.zeros(1))
        out.append(err(lambda: setattr(m, "w", T.ones(2))))
        out.append(err(lambda: setattr(m, "sub", 3)))
        m.buf = T.ones(3)  # replaces the buffer
        out.append(("buf", list(m.state_dict())))
        m.w = None
        out.append(list(m.state_dict()))
        m.sub = None
        out.append([n for n, _ in m.named_modules()])
        m.sub = nn.Linear(1, 1)   # a module may replace a plain attribute and vice versa
        m.x = 5
        m.x = nn.Identity()
        out.append(("x" in m.__dict__, [n for n, _ in m.named_children()]))
        del m.x
        del m.buf
        out.append((list(m.state_dict()), err(lambda: m.nope)))
        out.append(err(lambda: delattr(m, "nope")))
        out.append("sub" in dir(m) and "w" in dir(m))
        return out
    j, t = both(f)
    assert j == t


def test_register_errors():
    def f(T):
        nn = T.nn
        m = nn.Module()
        m.a = 1
        p = nn.Parameter(T.ones(1))
        cases = [
            lambda: m.register_parameter("x.y", p), lambda: m.register_parameter("", p),
            lambda: m.register_parameter("a", p), lambda: m.register_parameter(3, p),
            lambda: m.register_parameter("t", T.ones(1)),
            lambda: m.register_parameter("t", nn.Parameter(T.ones(1)) * 2),
            lambda: m.register_buffer("x.y", T.ones(1)), lambda: m.register_buffer("", None),
            lambda: m.register_buffer("a", T.ones(1)), lambda: m.register_buffer("b", [1]),
            lambda: m.register_buffer(1, T.ones(1)),
            lambda: m.add_module("x.y", nn.Module()), lambda: m.add_module("", nn.Module()),
            lambda: m.add_module("a", nn.Module()), lambda: m.add_module("q", 3),
            lambda: m.add_module(3, nn.Module()), lambda: m.register_module("q", T.ones(1)),
        ]
        out = [err(c) for c in cases]

        class Early(nn.Module):
            def __init__(self, what):
                if what == 0:
                    self.p = nn.Parameter(T.ones(1))
                elif what == 1:
                    self.m = nn.Linear(1, 1)
                else:
                    self.register_buffer("b", T.ones(1))
        out += [err(lambda: Early(i)) for i in range(3)]
        out.append(err(lambda: nn.Module(3)))
        out.append(err(lambda: nn.Module(foo=3)))
        out.append(err(lambda: nn.Module()(1)))
        return out
    j, t = both(f)
    # NOTE: p*2 is a non-leaf plain Tensor in both: the TypeError branch comes first
    for a, b in zip(j, t):
        assert a == b


def test_get_submodule_parameter_buffer():
    def f(T):
        m = make_net(T)
        out = [type(m.get_submodule("blocks.1.fc")).__name__, m.get_submodule("") is m,
               tuple(m.get_parameter("blocks.0.gamma").shape), tuple(m.get_buffer(
                   "blocks.1.scale").shape)]
        for c in [lambda: m.get_submodule("blocks.5"), lambda: m.get_submodule("inp.weight"),
                  lambda: m.get_parameter("blocks.0.scale"), lambda: m.get_parameter("inp.foo"),
                  lambda: m.get_buffer("blocks.0.gamma"), lambda: m.get_buffer("x.y"),
                  lambda: m.set_submodule("", T.nn.Identity()),
                  lambda: m.set_submodule("a.b", 3),
                  lambda: m.set_submodule("inp.zz", T.nn.Identity(), strict=True),
                  lambda: m.set_submodule("inp.weight", T.nn.Identity())]:
            out.append(err(c))
        m.set_submodule("head.out", T.nn.Linear(4, 3))
        m.set_submodule("head.new", T.nn.Identity())
        out.append(repr(m.head))
        return out
    j, t = both(f)
    assert j == t


# ---- repr --------------------------------------------------------------------------------------

def test_repr_composite():
    def f(T):
        nn = T.nn

        class Multi(nn.Module):
            def extra_repr(self):
                return "a=1\nb=2"

        class One(nn.Module):
            def __init__(self):
                super().__init__()
                self.inner = nn.Linear(1, 2)

            def extra_repr(self):
                return "k=3"
        m = make_net(T)
        m.multi = Multi()
        m.one = One()
        m.empty = nn.Sequential()
        m.ml = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)] + [nn.Identity()] * 2
                             + [nn.Linear(2, 3)])
        m.md = nn.ModuleDict({"x": nn.Identity(), "y": nn.Flatten(0, 1)})
        m.pd = nn.ParameterDict({"b": nn.Parameter(T.ones(2, 3)), "a": T.zeros(1)})
        m.mle = nn.ModuleList()
        return repr(m)
    j, t = both(f)
    assert j == t


# ---- state_dict / load_state_dict --------------------------------------------------------------

def test_load_torch_state_dict_forward_and_grads():
    torch.manual_seed(0)
    tm = make_net(torch)
    jm = make_net(jtorch)
    copy_state(jm, tm)
    x = np.random.default_rng(0).standard_normal((5, 3)).astype("float32")
    tx = torch.tensor(x, requires_grad=True)
    jx = jtorch.tensor(x, requires_grad=True)
    to, jo = tm(tx), jm(jx)
    assert_same(jo, to)
    to.pow(2).sum().backward()
    jo.pow(2).sum().backward()
    assert_same(jx.grad, tx.grad, rtol=1e-5, atol=1e-5)
    tg = dict(tm.named_parameters())
    for n, p in jm.named_parameters():
        assert_same(p.grad, tg[n].grad, rtol=1e-5, atol=1e-5, where=n + ": ")
    # round trip: jtorch state_dict back into torch gives identical outputs
    tm2 = make_net(torch)
    tm2.load_state_dict({k: torch.from_numpy(np.asarray(v)) for k, v in jm.state_dict().items()})
    assert_same(jm(jx), tm2(tx))


def test_load_state_dict_errors_and_incompatible_keys():
    def f(T):
        m = make_net(T)
        sd = m.state_dict()
        out = []
        bad = OrderedDict(sd)
        del bad["inp.bias"]
        del bad["blocks.1.gamma"]
        bad["blocks.0.fc.extra"] = T.ones(1)
        bad["zzz"] = T.ones(1)
        bad["inp.weight"] = T.ones(5, 5)
        bad["head.out.weight"] = 3.0
        out.append(err(lambda: m.load_state_dict(bad)))
        r = m.load_state_dict({k: v for k, v in sd.items() if k != "inp.bias"} |
                              {"zzz": T.ones(1)}, strict=False)
        out.append((repr(r), r.missing_keys, r.unexpected_keys, type(r).__name__))
        out.append(repr(m.load_state_dict(sd)))
        out.append(err(lambda: m.load_state_dict([1, 2])))
        small = {k: v for k, v in sd.items() if k != "inp.bias"}
        out.append(err(lambda: m.load_state_dict(small)))
        mis = dict(sd)
        mis["inp.bias"] = T.ones(7)
        out.append(err(lambda: m.load_state_dict(mis, strict=False)))
        return out
    j, t = both(f)
    assert j == t


def test_load_state_dict_values_dtype_and_assign():
    tm = torch.nn.Linear(3, 2)
    jm = jtorch.nn.Linear(3, 2).double()
    w_before = jm.weight
    copy_state(jm, tm)
    assert jm.weight is w_before and jm.weight.dtype is jtorch.float64  # copy_ casts in place
    assert_same(jm.weight.float(), tm.weight.detach())
    # 0-d parameter from a 1-element 1-d checkpoint entry (torch's special case)
    def f(T):
        m = T.nn.Module()
        m.s = T.nn.Parameter(T.tensor(1.0))
        m.load_state_dict({"s": T.tensor([5.0])})
        return float(m.s)
    assert both(f)[0] == both(f)[1] == 5.0
    # assign=True keeps the checkpoint tensor objects (wrapped in Parameters)
    jm = jtorch.nn.Linear(3, 2)
    new_w = jtorch.ones(2, 3, dtype=jtorch.float64)
    jm.load_state_dict({"weight": new_w, "bias": jtorch.zeros(2)}, assign=True)
    assert isinstance(jm.weight, jtorch.nn.Parameter) and jm.weight.dtype is jtorch.float64
    assert jm.weight.requires_grad
    tm = torch.nn.Linear(3, 2)
    tm.load_state_dict({"weight": torch.ones(2, 3, dtype=torch.float64),
                        "bias": torch.zeros(2)}, assign=True)
    assert str(jm.weight.dtype) == str(tm.weight.dtype)


def test_state_dict_keep_vars_prefix_and_views():
    jm = jtorch.nn.Linear(2, 2)
    sd = jm.state_dict()
    assert not sd["weight"].requires_grad and type(sd["weight"]) is jtorch.Tensor
    kv = jm.state_dict(keep_vars=True)
    assert kv["weight"] is jm.weight
    assert list(jm.state_dict(prefix="m.")) == ["m.weight", "m.bias"]
    # the state_dict shares storage with the parameters, as in torch
    sd["bias"].zero_()
    assert float(jm.bias.abs().sum()) == 0.0
    with pytest.warns(FutureWarning):
        jm.state_dict(OrderedDict(), "p.")


def test_state_dict_hooks():
    def f(T):
        log = []
        m = T.nn.Sequential(T.nn.Linear(1, 1))
        m[0].register_state_dict_pre_hook(lambda mod, prefix, kv: log.append(("pre", prefix)))

        def post(mod, sd, prefix, meta):
            log.append(("post", prefix, sorted(sd)))
        m[0].register_state_dict_post_hook(post)

        def legacy(mod, sd, prefix, meta):
            sd[prefix + "added"] = T.zeros(1)
            return sd
        h = m._register_state_dict_hook(legacy)
        keys = list(m.state_dict())
        h.remove()
        keys2 = list(m.state_dict())

        def lpre(mod, sd, prefix, meta, strict, missing, unexpected, errors):
            log.append(("lpre", type(mod).__name__, prefix, sorted(sd)))
        m[0].register_load_state_dict_pre_hook(lpre)

        def lpost(mod, keys):
            log.append(("lpost", type(mod).__name__, list(keys.missing_keys)))
            keys.unexpected_keys.clear()
        m.register_load_state_dict_post_hook(lpost)
        sd = m.state_dict()
        sd["bogus"] = T.ones(1)
        res = m.load_state_dict(sd)
        bad = err(lambda: m.register_state_dict_post_hook(lambda *a: 1) and m.state_dict())

        def bad_post(mod, sd, prefix, meta):
            return sd
        m.register_state_dict_post_hook(bad_post)
        return log, keys, keys2, repr(res), bad, err(lambda: m.state_dict())
    j, t = both(f)
    assert j == t


def test_extra_state():
    def f(T):
        class E(T.nn.Module):
            def __init__(self):
                super().__init__()
                self.v = 1

            def get_extra_state(self):
                return {"v": self.v}

            def set_extra_state(self, state):
                self.v = state["v"]
        m = T.nn.Sequential(E())
        sd = m.state_dict()
        sd["0._extra_state"] = {"v": 7}
        m.load_state_dict(sd)
        plain = T.nn.Linear(1, 1)
        psd = plain.state_dict()
        psd["_extra_state"] = 1
        return list(sd), m[0].v, err(lambda: plain.load_state_dict(psd)), \
            err(lambda: m.load_state_dict({}))
    j, t = both(f)
    assert j == t


# ---- modes, grads, conversion --------------------------------------------------------------------

def test_train_eval_requires_grad_zero_grad():
    def f(T):
        m = make_net(T)
        out = [m.training, m.eval() is m, [x.training for x in m.modules()]]
        m.blocks.train()
        out.append([x.training for x in m.modules()])
        out.append(err(lambda: m.train(1)))
        m.requires_grad_(False)
        out.append([p.requires_grad for p in m.parameters()])
        m.blocks.requires_grad_()
        out.append([p.requires_grad for p in m.parameters()])
        m.requires_grad_(True)
        m(T.ones(2, 3)).sum().backward()
        m.zero_grad(set_to_none=False)
        out.append([float(p.grad.abs().sum()) for p in m.parameters()])
        out.append([p.grad.requires_grad for p in m.parameters()])
        m.zero_grad()
        out.append([p.grad is None for p in m.parameters()])
        return out
    j, t = both(f)
    assert j == t


def test_to_and_casts_keep_parameter_identity():
    jm = make_net(jtorch)
    jm(jtorch.ones(2, 3)).sum().backward()
    params = list(jm.parameters())
    grads = [p.grad for p in params]
    assert jm.half() is jm
    assert all(a is b for a, b in zip(params, jm.parameters()))
    assert all(p.dtype is jtorch.float16 and p.grad.dtype is jtorch.float16 for p in params)
    assert all(g is p.grad for g, p in zip(grads, params))
    assert all(b.dtype is jtorch.float16 for b in jm.buffers())
    for meth, dt in [("double", "float64"), ("bfloat16", "bfloat16"), ("float", "float32")]:
        getattr(jm, meth)()
        assert all(str(p.dtype) == "torch." + dt for p in jm.parameters())
    jm.to(jtorch.float64)
    assert all(p.dtype is jtorch.float64 for p in params)
    jm.to("cpu", jtorch.float32)
    jm.to(jtorch.ones(1, dtype=jtorch.float64))
    assert all(p.dtype is jtorch.float64 for p in params)
    jm.to(device="cpu", dtype=jtorch.float32).cpu()
    assert all(p.dtype is jtorch.float32 and p.device.type == "cpu" for p in params)
    jm.type(jtorch.float64)
    assert all(p.dtype is jtorch.float64 for p in params)

    def f(T):
        m = T.nn.Linear(1, 1)
        m.register_buffer("count", T.zeros(1, dtype=T.int64))
        m.half()
        return (str(m.count.dtype), str(m.weight.dtype), err(lambda: m.to(T.int32)))
    j, t = both(f)
    assert j == t
    with pytest.warns(UserWarning, match="Complex modules"):
        jtorch.nn.Linear(1, 1).to(jtorch.complex64)


def test_apply_order_and_dir():
    def f(T):
        names = []
        m = make_net(T)
        assert m.apply(lambda mod: names.append(type(mod).__name__)) is m
        d = dir(m)
        return names, [k for k in ["inp", "blocks", "head", "forward", "training"] if k in d], \
            any(k[0].isdigit() for k in dir(m.blocks))
    j, t = both(f)
    assert j == t


def test_deepcopy_and_pickle_module():
    jm = make_net(jtorch)
    jm.x_attr = [1, 2]
    jc = copy.deepcopy(jm)
    assert repr(jc) == repr(jm)
    for (n1, p1), (n2, p2) in zip(jm.named_parameters(), jc.named_parameters()):
        assert n1 == n2 and p1 is not p2 and type(p2) is jtorch.nn.Parameter
        assert np.array_equal(np.asarray(p1.detach()), np.asarray(p2.detach()))
    jl = pickle.loads(pickle.dumps(jm.state_dict()))
    assert list(jl) == list(jm.state_dict())


# ---- hooks ---------------------------------------------------------------------------------------

def _hook_log(T):
    """Forward pre/post hooks with kwargs, prepend and always_call; returns the call log."""
    nn = T.nn
    log = []

    class Add(nn.Module):
        def forward(self, x, y=0.0):
            log.append(("forward", float(x.sum()), float(y)))
            return x + y
    m = Add()
    m.register_forward_pre_hook(lambda mod, args: log.append(("pre1", len(args))))
    m.register_forward_pre_hook(lambda mod, args: (args[0] * 2,))
    m.register_forward_pre_hook(lambda mod, args: log.append(("pre0",)), prepend=True)

    def pre_kw(mod, args, kwargs):
        log.append(("prekw", sorted(kwargs)))
        return args, {"y": 1.0}
    m.register_forward_pre_hook(pre_kw, with_kwargs=True)
    m.register_forward_hook(lambda mod, args, out: log.append(("post", float(out.sum()))))
    h = m.register_forward_hook(lambda mod, args, out: out * 10)
    m.register_forward_hook(lambda mod, args, kwargs, out: log.append(("postkw", kwargs)),
                            with_kwargs=True)
    m.register_forward_hook(lambda mod, args, out: log.append(("first",)), prepend=True)
    log.append(("result", float(m(T.ones(2), y=5.0).sum())))
    h.remove()
    log.append(("result", float(m(T.ones(2)).sum())))
    m2 = nn.Module()
    m2.forward = None

    class Boom(nn.Module):
        def forward(self, x):
            raise ValueError("boom")
    b = Boom()
    b.register_forward_hook(lambda mod, args, out: log.append(("always", out)), always_call=True)
    b.register_forward_hook(lambda mod, args, out: log.append(("never",)))
    log.append(err(lambda: b(T.ones(1))))
    bad = nn.Identity()
    bad.register_forward_pre_hook(lambda mod, a, k: 5, with_kwargs=True)
    log.append(err(lambda: bad(T.ones(1))))
    with h:
        pass
    return log


def test_forward_hooks_order_and_results():
    j, t = both(_hook_log)
    assert j == t


def test_global_forward_hooks():
    from jtorch.nn.modules import module as jmod
    from torch.nn.modules import module as tmod

    def f(T, mod):
        log = []
        h1 = mod.register_module_forward_pre_hook(lambda m, a: log.append(("gpre",
                                                                           type(m).__name__)))
        h2 = mod.register_module_forward_hook(lambda m, a, o: log.append(("gpost",
                                                                         type(m).__name__)))
        try:
            s = T.nn.Sequential(T.nn.Identity())
            s.register_forward_hook(lambda m, a, o: log.append(("local",)))
            s(T.ones(1))
        finally:
            h1.remove()
            h2.remove()
        T.nn.Identity()(T.ones(1))
        return log
    assert f(jtorch, jmod) == f(torch, tmod)


def _bw_scenario(T, x_np, w_np):
    """Full backward (pre-)hooks on a 2-input module: grads seen by hooks, and modified grads."""
    nn = T.nn
    seen = []

    class Mul(nn.Module):
        def __init__(self):
            super().__init__()
            self.w = nn.Parameter(T.tensor(w_np))

        def forward(self, a, k, b):
            return a * self.w * k + b, (a * 2).sum()
    m = Mul()

    def pre(mod, gout):
        seen.append(("pre", [None if g is None else g.detach().numpy().copy() for g in gout]))
        return (gout[0] * 3, gout[1])

    def post(mod, gin, gout):
        seen.append(("post", [None if g is None else g.detach().numpy().copy() for g in gin],
                     [None if g is None else g.detach().numpy().copy() for g in gout]))
        return (gin[0] + 1, None, gin[2])
    m.register_full_backward_pre_hook(pre)
    m.register_full_backward_hook(post)
    a = T.tensor(x_np, requires_grad=True)
    b = T.tensor(x_np * 2, requires_grad=True)
    out, s = m(a, 3.0, b)
    (out.sum() + s * 0.5).backward()
    return seen, a.grad.numpy(), b.grad.numpy(), m.w.grad.numpy()


def test_full_backward_hooks_match_torch():
    x = np.array([1.0, -2.0, 3.0], dtype="float32")
    w = np.array([0.5, 1.5, -1.0], dtype="float32")
    j, t = _bw_scenario(jtorch, x, w), _bw_scenario(torch, x, w)

    def same(a, b):
        if isinstance(a, (list, tuple)):
            assert len(a) == len(b)
            for p, q in zip(a, b):
                same(p, q)
        elif a is None or isinstance(a, str):
            assert a == b
        else:
            np.testing.assert_allclose(a, b, rtol=1e-6)
    same(j, t)


def test_full_backward_hook_no_input_grad_and_errors():
    def f(T):
        log = []
        lin = T.nn.Linear(2, 1)
        lin.register_full_backward_hook(
            lambda m, gi, go: log.append(([g is None for g in gi], tuple(go[0].shape))))
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            lin(T.ones(3, 2)).sum().backward()
        log.append([str(x.message) for x in w if "Full backward hook" in str(x.message)])
        lin2 = T.nn.Linear(2, 1)
        lin2.register_backward_hook(lambda *a: None)
        e1 = err(lambda: lin2.register_full_backward_hook(lambda *a: None))
        e2 = err(lambda: lin.register_backward_hook(lambda *a: None))
        return log, e1, e2
    j, t = both(f)
    assert j == t


def test_call_without_hooks_is_plain_forward():
    m = jtorch.nn.Linear(2, 2)
    assert m._forward_hooks == {} and m._forward_pre_hooks == {}
    h = m.register_forward_hook(lambda *a: None)
    assert len(m._forward_hooks) == 1
    h.remove()
    h.remove()  # removing twice is a no-op
    assert len(m._forward_hooks) == 0 and len(m._forward_hooks_with_kwargs) == 0


def test_module_without_forward_and_unexpected_warning_free():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        m = make_net(jtorch)
        m(jtorch.ones(1, 3))
    assert err(lambda: jtorch.nn.Module()(1)) == err(lambda: torch.nn.Module()(1))


def test_backward_hooks_nested_order_and_nondiff_inputs():
    def f(T):
        nn = T.nn
        log = []

        class M(nn.Module):
            def forward(self, x, y):
                return x * 2, T.tensor([1, 2]), y.sum()
        m = M()
        m.register_full_backward_hook(lambda mod, gi, go: log.append(
            ("hook", [None if g is None else g.tolist() for g in gi],
             [None if g is None else g.tolist() for g in go])))
        m.register_full_backward_pre_hook(lambda mod, go: log.append(
            ("pre", [None if g is None else g.tolist() for g in go])))
        x = T.ones(2, requires_grad=True)
        a, b, c = m(x, T.ones(2))
        log.append((type(b).__name__, b.requires_grad, c.requires_grad))
        a.sum().backward()
        log.append(x.grad.tolist())
        outer = nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 1))
        for i, mod in enumerate(outer):
            mod.register_full_backward_hook(lambda mod, gi, go, i=i: log.append(("h", i)))
            mod.register_full_backward_pre_hook(lambda mod, go, i=i: log.append(("p", i)))
        outer.register_full_backward_hook(lambda mod, gi, go: log.append(("h", "outer")))
        outer.register_full_backward_pre_hook(lambda mod, go: log.append(("p", "outer")),
                                              prepend=True)
        outer(T.ones(3, 2, requires_grad=True)).sum().backward()
        # the deprecated non-full hook fires once with Tensors (grad_input order may differ)
        lin = nn.Linear(2, 2)
        seen = []
        lin.register_backward_hook(lambda mod, gi, go: seen.append(
            (sorted(tuple(g.shape) for g in gi if g is not None), [tuple(g.shape) for g in go])))
        lin(T.ones(3, 2, requires_grad=True)).sum().backward()
        log.append(seen)
        return log
    j, t = both(f)
    assert j == t


def test_pickle_whole_module():
    jm = jtorch.nn.Sequential(jtorch.nn.Linear(2, 3), jtorch.nn.Linear(3, 1))
    jm.register_buffer("steps", jtorch.zeros(1, dtype=jtorch.int64))
    jl = pickle.loads(pickle.dumps(jm))
    assert repr(jl) == repr(jm)
    assert [type(p).__name__ for p in jl.parameters()] == ["Parameter"] * 4
    assert all(p.requires_grad for p in jl.parameters())
    x = jtorch.ones(2, 2)
    assert jl(x).tolist() == jm(x).tolist()
    assert list(jl.state_dict()) == list(jm.state_dict())


def test_checkpoint_torch_save_jtorch_load(tmp_path):
    """A checkpoint saved by torch loads into the same jtorch model (and back) via files."""
    torch.manual_seed(1)
    tm = make_net(torch)
    torch.save(tm.state_dict(), tmp_path / "ck.pt")
    jm = make_net(jtorch)
    assert repr(jm.load_state_dict(jtorch.load(tmp_path / "ck.pt"))) == \
        "<All keys matched successfully>"
    x = np.random.default_rng(1).standard_normal((4, 3)).astype("float32")
    assert_same(jm(jtorch.tensor(x)), tm(torch.tensor(x)))
    jtorch.save(jm.state_dict(), tmp_path / "back.pt")
    tm2 = make_net(torch)
    tm2.load_state_dict(torch.load(tmp_path / "back.pt"))
    assert_same(jm(jtorch.tensor(x)), tm2(torch.tensor(x)))


def test_public_surface_matches_torch():
    tnames = {n for n in dir(torch.nn.Module) if not n.startswith("__")}
    jnames = {n for n in dir(jtorch.nn.Module) if not n.startswith("__")}
    # NOTE: T_destination is a typing TypeVar and _maybe_warn_non_full_backward_hook a private
    # warning helper of torch; everything else torch's Module has, jtorch's has.
    assert tnames - jnames <= {"T_destination", "_maybe_warn_non_full_backward_hook"}
    from jtorch.nn.modules import module as jmod
    from torch.nn.modules import module as tmod
    assert all(hasattr(jmod, n) for n in tmod.__all__)
    assert set(jtorch.nn.parameter.__all__) == set(torch.nn.parameter.__all__)
    for name in ["Sequential", "ModuleList", "ModuleDict", "ParameterList", "ParameterDict",
                 "Identity", "Linear", "Bilinear", "LazyLinear", "Flatten", "Unflatten"]:
        assert hasattr(jtorch.nn, name), name
    assert set(jtorch.nn.utils.__all__) <= set(torch.nn.utils.__all__)
