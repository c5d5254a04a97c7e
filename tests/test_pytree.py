"""torch.utils._pytree against torch's own: leaves, TreeSpec reprs/equality, maps, errors, JSON."""
import collections
import dataclasses
import warnings

import pytest
import torch
import torch.utils._pytree as tp

import jtorch
import jtorch.utils._pytree as jp

P = collections.namedtuple("P", "x y")


def _trees(lib):
    """The same nested examples, with `lib`'s tensors among the leaves."""
    t = lib.tensor([1.0, 2.0])
    return [
        None, 1, t, [], (), {}, "str", b"bytes",
        [1, None, (2, t)], {"b": 2, "a": [3, None], 1: t},
        collections.OrderedDict(z=1, y=(t, None)), P(1, (2,)), P(t, None),
        collections.deque([1, t], maxlen=3), collections.deque([1]),
        collections.defaultdict(list, {"q": 1, "p": [t]}), [[[[]]]], ({"x": (None,)},),
        [P((), {}), collections.OrderedDict(), set([1]), frozenset()],
    ]


def _norm(leaf):
    """A comparable form of a leaf: tensors as (kind, values), others as themselves."""
    if isinstance(leaf, (torch.Tensor, jtorch.Tensor)):
        return ("tensor", leaf.tolist())
    return leaf


@pytest.mark.parametrize("i", range(len(_trees(jtorch))))
def test_flatten_matches_torch(i):
    tt, jt = _trees(torch)[i], _trees(jtorch)[i]
    lt, st = tp.tree_flatten(tt)
    lj, sj = jp.tree_flatten(jt)
    assert [_norm(x) for x in lj] == [_norm(x) for x in lt]
    assert repr(sj) == repr(st) and str(sj) == str(st)
    assert (sj.num_leaves, sj.num_nodes, sj.num_children, sj.is_leaf()) == \
           (st.num_leaves, st.num_nodes, st.num_children, st.is_leaf())
    assert jp.treespec_pprint(sj) == tp.treespec_pprint(st)
    assert [_norm(x) for x in jp.tree_leaves(jt)] == [_norm(x) for x in tp.tree_leaves(tt)]
    # NOTE: key paths print the same (keystr) and reach the same leaves (key_get).
    kt = [(tp.keystr(k), _norm(v)) for k, v in tp.tree_leaves_with_path(tt)]
    kj = jp.tree_leaves_with_path(jt)
    assert [(jp.keystr(k), _norm(v)) for k, v in kj] == kt
    assert all(jp.key_get(jt, k) is v for k, v in kj)
    back = jp.tree_unflatten(lj, sj)
    assert type(back) is type(jt) and jp.tree_structure(back) == sj


def test_none_is_a_leaf_and_tensors_are_leaves():
    assert jp.tree_flatten(None)[0] == [None] and repr(jp.tree_structure(None)) == "*"
    assert jp.tree_is_leaf(None) == tp.tree_is_leaf(None) is True
    t = jtorch.ones(3)
    assert jp.tree_leaves([t, {"a": t}]) == [t, t]
    assert jp.tree_is_leaf((1, 2), is_leaf=lambda x: isinstance(x, tuple))


def test_dict_keys_keep_insertion_order():
    # NOTE: unlike jax.tree_util, which sorts dict keys.
    tree = {"b": 1, "a": 2, "c": 3}
    assert jp.tree_leaves(tree) == tp.tree_leaves(tree) == [1, 2, 3]
    assert jp.tree_structure(tree).context == ["b", "a", "c"]


def test_treespec_equality_and_hash():
    for a, b in [({"a": 1}, {"a": 2}), ({"a": 1}, {"b": 1}), ([1, 2], (1, 2)), ([1], [1, 2]),
                 (P(1, 2), P(3, 4)), (collections.deque([1], maxlen=2), collections.deque([1])),
                 ([None], [[]]), (1, None)]:
        want = tp.tree_structure(a) == tp.tree_structure(b)
        sa, sb = jp.tree_structure(a), jp.tree_structure(b)
        assert (sa == sb) == want, (a, b)
        if want:
            assert hash(sa) == hash(sb)
    assert jp.tree_structure([1]) != 5 and jp.tree_structure(1) == jp.treespec_leaf()
    assert {jp.tree_structure([1, {"a": 2}]), jp.tree_structure([3, {"a": 4}])} == \
           {jp.tree_structure([0, {"a": 0}])}


def test_leafspec_is_deprecated_like_torch():
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        spec = jp.LeafSpec()
    assert repr(spec) == "*" and spec == jp.tree_structure(1)
    assert [w.category for w in rec] == [FutureWarning]


def test_treespec_children_and_constructors():
    s = jp.tree_structure([1, (2, 3)])
    assert repr(s.child(1)) == repr(tp.tree_structure([1, (2, 3)]).child(1))
    assert s.children() == [jp.treespec_leaf(), jp.tree_structure((0, 0))]
    assert repr(jp.treespec_tuple([jp.treespec_leaf()] * 2)) == repr(tp.treespec_tuple([tp.treespec_leaf()] * 2))
    assert repr(jp.treespec_dict(a=jp.treespec_leaf())) == repr(tp.treespec_dict(a=tp.treespec_leaf()))
    with pytest.raises(ValueError, match="Expected a tuple of TreeSpec values"):
        jp.treespec_tuple([1])


def test_tree_map_family():
    tree = {"x": 7, "y": (42, 64), "z": None}
    assert jp.tree_map(lambda x: x is None, tree) == tp.tree_map(lambda x: x is None, tree)
    assert jp.tree_map(lambda x, y: [x] + y, [5, 6], [[7, 9], [1, 2]]) == [[5, 7, 9], [6, 1, 2]]
    # NOTE: a dict, an OrderedDict and a defaultdict match each other by keys in `rests`.
    od = collections.OrderedDict(y=1, x=2)
    assert jp.tree_map(lambda a, b: a + b, {"x": 1, "y": 2}, od) == \
           tp.tree_map(lambda a, b: a + b, {"x": 1, "y": 2}, od)
    t = jtorch.tensor([1.0, 2.0])
    out = jp.tree_map_only(jtorch.Tensor, lambda v: v * 2, [t, 3, {"k": t}])
    assert out[0].tolist() == [2.0, 4.0] and out[1] == 3 and out[2]["k"].tolist() == [2.0, 4.0]
    assert jp.tree_map_only((int, float), lambda v: -v, [1, 2.0, "s"]) == [-1, -2.0, "s"]
    assert jp.tree_map_only(lambda v: v == 2, lambda v: 0, [1, 2]) == [1, 0]
    seen = []
    tree2 = [1, (2, 3)]
    assert jp.tree_map_(seen.append, tree2) is tree2 and seen == [1, 2, 3]
    seen.clear()
    jp.tree_map_only_(int, seen.append, [1, "a", 2.5, 3])
    assert seen == [1, 3]
    with_path = jp.tree_map_with_path(lambda k, v: jp.keystr(k) + str(v), {"a": [1, 2]})
    assert with_path == tp.tree_map_with_path(lambda k, v: tp.keystr(k) + str(v), {"a": [1, 2]})
    assert jp.tree_all(lambda v: v > 0, [1, (2,)]) and not jp.tree_all(lambda v: v > 1, [1, (2,)])
    assert jp.tree_any(lambda v: v > 1, [1, (2,)]) and not jp.tree_any(bool, [0, (None,)])
    assert jp.tree_all_only(int, lambda v: v > 0, [1, "x", -1.0])
    assert not jp.tree_any_only(str, lambda v: v == "y", [1, "x"])
    assert jp.arg_tree_leaves(1, [2], k=(3,)) == [1, 2, 3]
    assert jp._broadcast_to_and_flatten(5, jp.tree_structure([1, [2, 3]])) == [5, 5, 5]
    assert jp._broadcast_to_and_flatten([1, 2], jp.tree_structure([1])) is None


@pytest.mark.parametrize("rest", [[1], (1, 2), {"a": 1}, [1, [2]], P(1, 2), {"a": 1, "b": 2}])
def test_tree_map_structure_errors_match_torch(rest):
    base = [1, 2] if not isinstance(rest, dict) else {"a": 1, "c": 2}
    try:
        tp.tree_map(lambda a, b: a, base, rest)
        want = None
    except Exception as e:  # noqa: BLE001 - the oracle's exception is what we compare
        want = (type(e), str(e))
    try:
        jp.tree_map(lambda a, b: a, base, rest)
        got = None
    except Exception as e:  # noqa: BLE001
        got = (type(e), str(e))
    assert got == want


def test_unflatten_errors_match_torch():
    for lib in (tp, jp):
        with pytest.raises(ValueError) as info:
            lib.tree_unflatten([1, 2], lib.tree_structure([1]))
        msg = str(info.value)
        with pytest.raises(TypeError) as info2:
            lib.tree_unflatten([1, 2], 3)
        if lib is tp:
            want = (msg, str(info2.value))
    assert (msg, str(info2.value)) == want
    # NOTE: the arguments may come swapped, as torch allows.
    assert jp.tree_unflatten(jp.tree_structure([0, 0]), [1, 2]) == [1, 2]


class _Pair:
    def __init__(self, a, b):
        self.a, self.b = a, b


def test_register_pytree_node_custom_class():
    for lib in (tp, jp):
        lib.register_pytree_node(_Pair, lambda p: ([p.a, p.b], "ctx"),
                                 lambda vals, ctx: _Pair(*vals), serialized_type_name="test._Pair")
    try:
        tree = [_Pair(1, (2, None)), 3]
        lt, st = tp.tree_flatten(tree)
        lj, sj = jp.tree_flatten(tree)
        assert lj == lt and repr(sj) == repr(st)
        back = jp.tree_unflatten([10, 20, None, 30], sj)
        assert isinstance(back[0], _Pair) and back[0].a == 10 and back[0].b == (20, None)
        with pytest.raises(ValueError, match="is already registered as pytree node"):
            jp.register_pytree_node(_Pair, lambda p: ([], None), lambda v, c: None)
        with pytest.raises(ValueError, match="Did not find a flatten_with_keys_fn"):
            jp.tree_leaves_with_path(tree)
        # NOTE: a custom node's context must match exactly in `rests`.
        with pytest.raises(ValueError, match="Type mismatch"):
            jp.tree_map(lambda a, b: a, tree, [(1, 2), 3])
        assert jp.treespec_dumps(sj) == tp.treespec_dumps(st)
    finally:
        tp._deregister_pytree_node(_Pair)
        jp._deregister_pytree_node(_Pair)
    assert jp.tree_leaves(_Pair(1, 2))[0].__class__ is _Pair


@dataclasses.dataclass
class _DC:
    x: object
    y: object = None


def test_register_dataclass():
    for lib in (tp, jp):
        lib.register_dataclass(_DC)
    try:
        lt, st = tp.tree_flatten(_DC(1, None))
        lj, sj = jp.tree_flatten(_DC(1, None))
        assert lj == lt and repr(sj) == repr(st)
        assert jp.tree_map(lambda v: v + 1, _DC(1, 2)) == _DC(2, 3)
        assert [jp.keystr(k) for k, _ in jp.tree_leaves_with_path(_DC(1, 2))] == [".x", ".y"]
    finally:
        tp._deregister_pytree_node(_DC)
        jp._deregister_pytree_node(_DC)
    with pytest.raises(ValueError, match="field_names must be specified"):
        jp.register_dataclass(_Pair)


def test_treespec_json_roundtrip_matches_torch():
    tree = [1, (2, None), {"a": 4}, collections.OrderedDict(b=1), collections.deque([1], maxlen=4),
            collections.defaultdict(list, {"k": 2})]
    st, sj = tp.tree_structure(tree), jp.tree_structure(tree)
    text = jp.treespec_dumps(sj)
    assert text == tp.treespec_dumps(st)
    assert jp.treespec_loads(text) == sj and repr(jp.treespec_loads(text)) == repr(st)
    for lib, spec in ((tp, st), (jp, sj)):
        with pytest.raises(NotImplementedError) as info:
            lib.treespec_dumps(lib.tree_structure(P(1, 2)))
        if lib is tp:
            want = str(info.value)
    assert str(info.value) == want
    with pytest.raises(ValueError, match="Unknown protocol 7"):
        jp.treespec_dumps(sj, protocol=7)


def test_namedtuple_registered_for_serialization():
    NT = collections.namedtuple("NT", "a b")
    jp._register_namedtuple(NT, serialized_type_name="tests.NT")
    tp._register_namedtuple(NT, serialized_type_name="tests.NT")
    try:
        text = jp.treespec_dumps(jp.tree_structure(NT(1, [2])))
        assert text == tp.treespec_dumps(tp.tree_structure(NT(1, [2])))
        assert jp.treespec_loads(text).unflatten([5, 6]) == NT(5, [6])
    finally:
        jp._deregister_pytree_node(NT)
        tp._deregister_pytree_node(NT)


def test_public_names_match_torch():
    assert jp.__all__ == tp.__all__
    for name in ("is_namedtuple", "is_structseq", "is_namedtuple_instance", "is_structseq_class"):
        for obj in (P(1, 2), P, (1,), torch.return_types.max, __import__("os").stat("."), 3):
            assert getattr(jp, name)(obj) == getattr(tp, name)(obj), (name, obj)


def test_size_and_return_types_are_nodes_like_torch():
    for make in (lambda lib: lib.Size([2, 3]), lambda lib: lib.max(lib.ones(2, 2), 0),
                 lambda lib: [lib.sort(lib.tensor([3.0, 1.0])), {"s": lib.Size([])}]):
        t, j = make(torch), make(jtorch)
        lt, st = tp.tree_flatten(t)
        lj, sj = jp.tree_flatten(j)
        assert repr(sj) == repr(st) and [_norm(x) for x in lj] == [_norm(x) for x in lt]
        bt, bj = tp.tree_unflatten(lt, st), jp.tree_unflatten(lj, sj)
        assert repr(jp.tree_structure(bj)) == repr(tp.tree_structure(bt))
        assert type(bj).__name__ == type(bt).__name__
    # NOTE: torch.Size unflattens to a plain tuple, in torch too.
    assert type(jp.tree_map(lambda v: v, jtorch.Size([2]))) is tuple
    assert jp.treespec_dumps(jp.tree_structure(jtorch.Size([1]))) == \
        tp.treespec_dumps(tp.tree_structure(torch.Size([1])))
    ret = jp.tree_map(lambda v: v * 2, jtorch.max(jtorch.tensor([[1.0, 5.0]]), 1))
    assert type(ret).__name__ == "max" and ret.values.tolist() == [10.0] and ret.indices.tolist() == [2]
