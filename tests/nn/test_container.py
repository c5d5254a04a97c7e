"""Sequential, ModuleList, ModuleDict, ParameterList, ParameterDict vs torch.

Each scenario runs with T = torch and T = jtorch and compares names, reprs, lengths, messages.
"""
import warnings
from collections import OrderedDict

import numpy as np
import torch

import jtorch
from _harness import assert_same, pair, to_jt


def both(fn):
    """(jtorch result, torch result) of fn(T)."""
    return fn(jtorch), fn(torch)


def err(fn):
    """(exception class name, message) raised by fn(), or None."""
    try:
        fn()
    except Exception as e:  # noqa: BLE001
        return type(e).__name__, str(e)
    return None


def layers(T, n=4):
    """n distinct small modules (Linear with different out sizes, so reprs differ)."""
    return [T.nn.Linear(2, i + 1) for i in range(n)]


def names(m):
    return [n for n, _ in m.named_parameters()], list(m.state_dict())


def test_sequential_indexing_and_mutation():
    def f(T):
        nn = T.nn
        s = nn.Sequential(*layers(T))
        out = [len(s), repr(s[1]), repr(s[-1]), type(s[1:3]).__name__, repr(s[1:3]),
               repr(s[::-2]), err(lambda: s[4]), err(lambda: s[-5]), err(lambda: s["a"])]
        s[0] = nn.Identity()
        out.append(repr(s))
        out.append(err(lambda: s.__setitem__(7, nn.Identity())))
        del s[1]
        out.append(names(s))
        del s[-2:]
        out.append(names(s))
        s.append(nn.Linear(3, 3)).extend([nn.Identity(), nn.Linear(1, 1)])
        s.insert(1, nn.Linear(5, 5))
        s.insert(-1, nn.Flatten())
        out.append(repr(s))
        out.append(err(lambda: s.insert(10, nn.Identity())))
        out.append(err(lambda: s.insert(0, 3)))
        out.append(repr(s.pop(2)))
        out.append((len(s), [type(m).__name__ for m in s]))
        out.append(names(s))
        return out
    j, t = both(f)
    for a, b in zip(j, t):
        assert a == b


def test_sequential_ordered_dict_add_mul():
    def f(T):
        nn = T.nn
        s = nn.Sequential(OrderedDict([("a", nn.Linear(2, 2)), ("b", nn.Identity()),
                                       ("c", nn.Linear(2, 3))]))
        out = [repr(s), names(s), repr(s[1:]), names(s[1:])]
        s2 = s + nn.Sequential(nn.Linear(3, 1))
        out.append((repr(s2), names(s2)))
        out.append(err(lambda: s + nn.Linear(1, 1)))
        s3 = nn.Sequential(nn.Linear(1, 1), nn.Identity())
        s3 += nn.Sequential(nn.Linear(1, 2))
        out.append(repr(s3))
        out.append(repr(s3 * 2))
        out.append(repr(2 * nn.Sequential(nn.Identity())))
        out.append(err(lambda: s3 * 0))
        out.append(err(lambda: s3 * 1.5))
        s4 = nn.Sequential(nn.Linear(1, 1))
        s4 *= 3
        out.append((len(s4), names(s4)))
        out.append(any(k.isdigit() for k in dir(s4)))
        out.append(repr(nn.Sequential()))
        return out
    j, t = both(f)
    for a, b in zip(j, t):
        assert a == b


def test_sequential_forward_matches_torch():
    tm = torch.nn.Sequential(torch.nn.Linear(3, 5), torch.nn.Flatten(0), torch.nn.Unflatten(
        0, (2, 5)), torch.nn.Linear(5, 2))
    jm = jtorch.nn.Sequential(jtorch.nn.Linear(3, 5), jtorch.nn.Flatten(0),
                              jtorch.nn.Unflatten(0, (2, 5)), jtorch.nn.Linear(5, 2))
    jm.load_state_dict({k: to_jt(v) for k, v in tm.state_dict().items()})
    jx, tx = pair(np.linspace(-1, 1, 6, dtype="float32").reshape(2, 3), requires_grad=True)
    jo, to = jm(jx), tm(tx)
    assert_same(jo, to)
    jo.sum().backward()
    to.sum().backward()
    assert_same(jx.grad, tx.grad)
    assert_same(jm[0].weight.grad, tm[0].weight.grad)


def test_module_list():
    def f(T):
        nn = T.nn
        ml = nn.ModuleList(layers(T, 3))
        out = [len(ml), repr(ml[-1]), repr(ml[1:]), type(ml[:1]).__name__, err(lambda: ml[3]),
               names(ml)]
        ml[0] = nn.Identity()
        ml.append(nn.Linear(2, 2))
        ml.extend([nn.Linear(2, 2), nn.Linear(2, 2)])
        ml.insert(1, nn.Flatten())
        out.append(repr(ml))
        out.append(err(lambda: ml.extend(5)))
        del ml[0]
        del ml[::2]
        out.append((repr(ml), names(ml)))
        out.append(repr(ml.pop(-1)))
        ml += [nn.Identity()]
        combined = ml + nn.ModuleList([nn.Linear(1, 1)])
        out.append((type(combined).__name__, repr(combined)))
        out.append([type(m).__name__ for m in ml])
        out.append(repr(nn.ModuleList()))
        out.append(err(lambda: nn.ModuleList([3])))
        out.append(repr(nn.ModuleList([nn.Linear(1, 1)] * 3 + [nn.Identity()] +
                                      [nn.Sequential(nn.Linear(2, 2), nn.Identity())] * 2)))
        return out
    j, t = both(f)
    for a, b in zip(j, t):
        assert a == b


def test_module_dict():
    def f(T):
        nn = T.nn
        md = nn.ModuleDict({"b": nn.Linear(1, 1), "a": nn.Identity()})
        out = [list(md), list(md.keys()), len(md), "a" in md, repr(md), names(md)]
        md["c"] = nn.Linear(2, 2)
        md.update([("d", nn.Identity())])
        md.update(nn.ModuleDict({"e": nn.Flatten()}))
        out.append(repr(md))
        out.append(type(md.pop("b")).__name__)
        del md["a"]
        out.append(([k for k, _ in md.items()], [type(v).__name__ for v in md.values()]))
        out.append(err(lambda: md.update(3)))
        out.append(err(lambda: md.update([3])))
        out.append(err(lambda: md.update([("a", nn.Identity(), 1)])))
        out.append(err(lambda: md["zzz"]))
        md.clear()
        out.append((len(md), repr(md)))
        return out
    j, t = both(f)
    for a, b in zip(j, t):
        assert a == b


def test_parameter_list():
    def f(T):
        nn = T.nn
        pl = nn.ParameterList([T.ones(2), nn.Parameter(T.zeros(3, 2)), "x",
                               T.ones(1, dtype=T.float64)])
        out = [len(pl), repr(pl), names(pl), [type(p).__name__ for p in pl],
               err(lambda: pl[4]), type(pl[1:]).__name__, len(pl[::2])]
        pl[0] = T.zeros(5)
        pl.append(nn.Parameter(T.ones(1)))
        pl.extend([T.ones(2, 2)])
        out.append((repr(pl), names(pl)))
        out.append(err(lambda: pl.extend(T.ones(2))))
        out.append(err(lambda: pl(1)))
        out.append(repr(nn.ParameterList()))
        out.append(any(k.isdigit() for k in dir(pl)))
        return out
    j, t = both(f)
    for a, b in zip(j, t):
        assert a == b


def test_parameter_dict():
    def f(T):
        nn = T.nn
        pd = nn.ParameterDict({"b": T.ones(2), "a": nn.Parameter(T.zeros(1)), "c": 3})
        out = [list(pd), len(pd), repr(pd), names(pd), "a" in pd, list(reversed(pd))]
        pd["d"] = T.ones(2, 2, dtype=T.float64)
        pd.update(OrderedDict([("z", T.ones(1)), ("y", T.ones(1))]))
        pd.update([("x", T.ones(3))])
        out.append((repr(pd), names(pd)))
        out.append((type(pd.pop("b")).__name__, list(pd)))
        k, v = pd.popitem()
        out.append((k, type(v).__name__, list(pd)))
        out.append(pd.get("nope", 5))
        out.append(type(pd.setdefault("new", T.ones(1))).__name__)
        cp = pd.copy()
        out.append((list(cp), cp["a"] is pd["a"]))
        out.append(list(pd.fromkeys(["p", "q"])))
        out.append(list((pd | nn.ParameterDict({"w": T.ones(1)})).keys()))
        pd |= nn.ParameterDict({"v": T.ones(1)})
        out.append(list(pd.keys()))
        out.append(err(lambda: pd[3]))
        out.append(err(lambda: pd.update(3)))
        out.append(err(lambda: pd.update([(1, 2, 3)])))
        out.append(err(lambda: pd(1)))
        pd.clear()
        out.append((len(pd), repr(pd)))
        return out
    j, t = both(f)
    for a, b in zip(j, t):
        assert a == b


def test_container_deprecated():
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        c = jtorch.nn.Container(a=jtorch.nn.Identity())
    assert any(issubclass(x.category, FutureWarning) for x in w)
    assert [n for n, _ in c.named_children()] == ["a"]
