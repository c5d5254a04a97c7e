"""Picklable-object collectives of torch.distributed, for a one-process group."""
import io
import pickle

from ._collectives import (_check_list_size, _check_root, _check_rooted_list, _group_rank,
                           _not_member)
from ._world import _group_or_default

__all__ = ["all_gather_object", "broadcast_object_list", "gather_object", "scatter_object_list"]

# NOTE: torch pickles each object into a byte tensor and unpickles what arrives, so a receiver
# gets a copy (and an unpicklable object raises); the same round trip is done here.


def _roundtrip(obj):
    f = io.BytesIO()
    pickle.Pickler(f).dump(obj)
    return pickle.Unpickler(io.BytesIO(f.getvalue())).load()


def all_gather_object(object_list, obj, group=None):
    """Gather obj from every rank into object_list (world size 1: object_list[0])."""
    if _not_member(group):
        return None
    group = _group_or_default(group)
    copy = _roundtrip(obj)
    object_list[0] = copy
    return None


def broadcast_object_list(object_list, src=None, group=None, device=None, group_src=None):
    """Broadcast the objects in object_list from rank src (world size 1: unchanged)."""
    group = _group_or_default(group)
    root = _group_rank(group, src, group_src)
    if _not_member(group):
        return None
    _check_root(group, root, "broadcast")
    for obj in object_list:
        pickle.dumps(obj)  # NOTE: the source serializes its objects even when nobody receives
    return None


def gather_object(obj, object_gather_list=None, dst=None, group=None, group_dst=None):
    """Gather obj from every rank into object_gather_list on rank dst."""
    if _not_member(group):
        return None
    group = _group_or_default(group)
    _check_rooted_list(group, dst, group_dst, object_gather_list, "destination", "gather")
    object_gather_list[0] = _roundtrip(obj)
    return None


def scatter_object_list(scatter_object_output_list, scatter_object_input_list=None, src=None,
                        group=None, group_src=None):
    """Scatter scatter_object_input_list from rank src: this rank's entry lands in output[0]."""
    group = _group_or_default(group)
    if src is None and group_src is None:
        src = 0
    root = _group_rank(group, src, group_src)
    if _not_member(group):
        return None
    if not isinstance(scatter_object_output_list, list) or len(scatter_object_output_list) < 1:
        raise ValueError("Expected argument scatter_object_output_list to be a list of size at "
                         "least 1.")
    if root == group.rank():
        if scatter_object_input_list is None:
            raise ValueError("source rank must provide non-None scatter_object_input_list")
        if not scatter_object_input_list:
            raise ValueError("not enough values to unpack (expected 2, got 0)")
    _check_root(group, root, "broadcast")
    inputs = [_roundtrip(obj) for obj in scatter_object_input_list]
    _check_list_size("scatter", inputs, group, "Input")
    scatter_object_output_list[0] = inputs[0]
    return None
