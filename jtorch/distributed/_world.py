"""Process groups for one process: init_process_group, destroy_process_group, new_group, ranks."""
import datetime
import os
import urllib.parse
import warnings

from ._backend import Backend, is_mpi_available, is_nccl_available, is_ucc_available

__all__ = ["ProcessGroup", "group", "GroupMember", "init_process_group", "destroy_process_group",
           "is_initialized", "is_torchelastic_launched",
           "get_node_local_rank", "get_rank", "get_world_size",
           "get_backend", "get_backend_config", "new_group", "get_process_group_ranks",
           "get_global_rank", "get_group_rank", "default_pg_timeout"]

# NOTE: jtorch runs torch.distributed in ONE process only (torchrun --nproc_per_node=1, or a
# script that guards on is_initialized()). Every collective is then a local copy; no store or
# socket is opened. More than one process would need jax.distributed underneath: not done yet.
default_pg_timeout = datetime.timedelta(minutes=30)
_NOT_INIT = ("Default process group has not been initialized, please make sure to call "
             "init_process_group.")


class ProcessGroup:
    """A group of processes that run collectives together (here: the one calling process)."""

    def __init__(self, rank, size, device_map, group_name):
        self._rank = rank
        self._size = size
        self._device_map = device_map
        self.group_name = group_name

    def rank(self):
        """This process's rank in the group."""
        return self._rank

    def size(self):
        """The number of processes in the group."""
        return self._size

    def name(self):
        """The name of the backend serving the group's default device."""
        return str(next(iter(self._device_map.values())))


class _World:
    def __init__(self):
        self.reset()
        # NOTE: as in torch, every init_process_group attempt that gets past argument checks
        # names its group from this counter, even if it fails later; only destroying the default
        # group resets it.
        self.group_count = 0

    def reset(self):
        self.default_pg = None
        self.pg_map = {}           # group -> backend string
        self.pg_config = {}        # group -> backend config string
        self.pg_group_ranks = {}   # group -> {global rank: group rank}


_world = _World()


class _WorldMeta(type):
    """Gives group / GroupMember the class property WORLD (the default group, or None)."""

    @property
    def WORLD(cls):
        return _world.default_pg

    @WORLD.setter
    def WORLD(cls, pg):
        _world.default_pg = pg


class group(metaclass=_WorldMeta):
    """Group class. Placeholder (group.WORLD is the default process group)."""


class GroupMember(metaclass=_WorldMeta):
    """Group member class."""

    NON_GROUP_MEMBER = -100


def is_initialized():
    """Whether the default process group has been initialized."""
    return GroupMember.WORLD is not None


def is_torchelastic_launched():
    """Whether this process was launched by torchelastic (TORCHELASTIC_RUN_ID is set)."""
    return os.getenv("TORCHELASTIC_RUN_ID") is not None


def get_node_local_rank(fallback_rank=None):
    """This process's rank on its node: LOCAL_RANK (set by torchrun), else fallback_rank."""
    if "LOCAL_RANK" in os.environ:
        return int(os.environ["LOCAL_RANK"])
    if fallback_rank is not None:
        return int(fallback_rank)
    raise RuntimeError("LOCAL_RANK is not in the environment. Consider passing fallback_rank to "
                       "allow `get_node_local_rank` to work, assuming you are not running in a "
                       "multi-device context and want the code to run locally instead.")


def _default_group():
    if not is_initialized():
        raise ValueError(_NOT_INIT)
    return GroupMember.WORLD


def _group_or_default(grp):
    if grp is None or grp is GroupMember.WORLD:
        return _default_group()
    return grp


def _rendezvous_error(msg):
    return ValueError("Error initializing torch.distributed using " + msg)


def _query(url):
    return dict(kv.split("=", 1) for kv in urllib.parse.urlparse(url).query.split("&") if kv)


def _rendezvous(url, rank, world_size):
    """(rank, world_size) from an init_method URL, as torch's rendezvous handlers read them."""
    if not isinstance(url, (str, bytes)):
        raise RuntimeError(f"`url` must be a string. {type(url)}: {url}")
    if not isinstance(rank, int):
        raise RuntimeError(f"`rank` must be an integer. {rank}")
    if not isinstance(world_size, int):
        raise RuntimeError(f"`world_size` must be an integer. {world_size}")
    result = urllib.parse.urlparse(url)
    query = _query(url)
    if rank != -1 or world_size != -1:
        if "rank" in query or "world_size" in query:
            raise AssertionError(f"The url: {url} has node-specific arguments(rank, world_size) "
                                 f"already.")
        if rank != -1:
            query["rank"] = str(rank)
        if world_size != -1:
            query["world_size"] = str(world_size)
    scheme = result.scheme
    if scheme not in ("env", "tcp", "file"):
        raise RuntimeError(f"No rendezvous handler for {scheme}://")

    def err(msg):
        return _rendezvous_error(f"{scheme}:// rendezvous: " + msg)

    if scheme == "env":
        def env(var):
            val = os.environ.get(var, None)
            if not val:
                raise err(f"environment variable {var} expected, but not set")
            return val
        rank = int(query["rank"]) if "rank" in query else int(env("RANK"))
        world_size = (int(query["world_size"]) if "world_size" in query
                      else int(env("WORLD_SIZE")))
        env("MASTER_ADDR")
        port = int(env("MASTER_PORT"))
        if not 0 <= port <= 65535:
            raise ValueError(f"port must have value from 0 to 65535 but was {port}.")
        return rank, world_size
    if scheme == "tcp" and result.port is None:
        raise err("port number missing")
    if scheme == "file" and not result.path:
        raise err("path missing")
    if "rank" not in query:
        raise err("rank parameter missing")
    if "world_size" not in query:
        raise err("world size parameter missing")
    return int(query["rank"]), int(query["world_size"])


def _check_world(rank, world_size):
    if world_size != 1:
        raise NotImplementedError(
            f"jtorch.distributed supports a single process only (world_size=1), got "
            f"world_size={world_size}: multi-process collectives are not implemented (they "
            f"would need jax.distributed). Launch with one process (torchrun --nproc_per_node=1)")
    if rank != 0:
        # NOTE: torch waits (until timeout) for the missing rank 0; jtorch says so at once.
        raise ValueError(f"Invalid rank {rank} for world_size {world_size}: the only rank of a "
                         f"one-process group is 0")


def _device_backend_map(backend):
    """torch's BackendConfig: which backend serves which device type."""
    if backend == Backend.UNDEFINED:
        from .. import cuda
        dev = "cuda" if cuda.is_available() else "cpu"
        return {dev: Backend(Backend.default_device_backend_map[dev])}
    if backend.lower() in Backend.backend_list:
        return dict.fromkeys(Backend.backend_capability[backend.lower()], Backend(backend))
    if ":" in backend.lower():
        out = {}
        for pair in backend.lower().split(","):
            parts = pair.split(":")
            if len(parts) != 2:
                raise ValueError(f"Invalid device:backend pairing: {pair}.")
            out[parts[0]] = Backend(parts[1])
        return out
    warnings.warn(f"Device capability of {backend} unknown, assuming `cpu` and `cuda`. You can "
                  f"specify it in `device:backend` format in `init_process_group` call.",
                  stacklevel=3)
    return {"cpu": Backend(backend), "cuda": Backend(backend), "xpu": Backend(backend)}


def _check_backends(device_map):
    for name in device_map.values():
        if name == Backend.GLOO:
            continue
        if name == Backend.NCCL:
            if not is_nccl_available():
                raise RuntimeError("Distributed package doesn't have NCCL built in")
        elif name == Backend.MPI and not is_mpi_available():
            raise RuntimeError("Distributed package doesn't have MPI built in. MPI is only "
                               "included if you build PyTorch from source on a host that has "
                               "MPI installed.")
        elif name == Backend.UCC and not is_ucc_available():
            raise RuntimeError("Distributed package doesn't have UCC built in")
        elif name not in (Backend.NCCL, Backend.MPI, Backend.UCC):
            raise AssertionError(f"Unknown backend type {name}")


def _device_from_id(device_id):
    from .. import cuda
    from .._device import device
    if isinstance(device_id, int):
        if not cuda.is_available():
            raise ValueError("device_id is an int, but no accelerator support is found from the "
                             "current compilation. Please use a different compiled version that "
                             "supports your accelerator.")
        device_id = device("cuda", device_id)
    if device_id is not None and device_id.type != "cpu":
        if not cuda.is_available() or device_id.type != "cuda":
            acc = device("cuda") if cuda.is_available() else None
            raise ValueError(f"device_id {device_id} does not match the current compilation's "
                             f"accelerator support: {acc}. Please use a different compiled "
                             f"version that supports your accelerator.")
        if device_id.index is None:
            raise ValueError("Please use a device_id with index.")
    return device_id


def init_process_group(backend=None, init_method=None, timeout=None, world_size=-1, rank=-1,
                       store=None, group_name="", pg_options=None, device_id=None):
    """Initialize the default process group (jtorch: world_size 1 only)."""
    if GroupMember.WORLD is not None:
        raise ValueError("trying to initialize the default process group twice!")
    if not (store is None or init_method is None):
        raise AssertionError("Cannot specify both init_method and store.")
    if store is not None:
        if not world_size > 0:
            raise AssertionError("world_size must be positive if using store")
        if not rank >= 0:
            raise AssertionError("rank must be non-negative if using store")
    elif init_method is None:
        init_method = "env://"
    device_id = _device_from_id(device_id)
    if backend is None and device_id is not None:
        backend = Backend.default_device_backend_map.get(device_id.type)
    backend = Backend("undefined" if backend is None else backend)
    if timeout is None:
        timeout = default_pg_timeout
    if not isinstance(timeout, datetime.timedelta):
        raise TypeError(f"Expected timeout argument to be of type datetime.timedelta, "
                        f"got {timeout}")
    group_name = str(_world.group_count)
    _world.group_count += 1
    if store is None:
        rank, world_size = _rendezvous(init_method, rank, world_size)
    device_map = _device_backend_map(backend)
    _check_world(rank, world_size)
    _check_backends(device_map)
    pg = ProcessGroup(rank, world_size, device_map, group_name)
    _world.default_pg = pg
    _world.pg_map[pg] = backend
    _world.pg_config[pg] = ",".join(f"{d}:{b}" for d, b in device_map.items())
    _world.pg_group_ranks[pg] = {0: 0}


def destroy_process_group(group=None):
    """Destroy a process group (default: the default one, and with it every group)."""
    if group == GroupMember.NON_GROUP_MEMBER:
        return
    pg = GroupMember.WORLD if group is None else group
    if pg is None:
        raise AssertionError("Process group cannot be None")
    if pg not in _world.pg_map:
        raise ValueError("Invalid process group specified")
    if group is None or group == GroupMember.WORLD:
        _world.reset()
        _world.group_count = 0
    else:
        for table in (_world.pg_map, _world.pg_config, _world.pg_group_ranks):
            table.pop(pg, None)


def get_rank(group=None):
    """This process's rank in group (default: the default group)."""
    if group == GroupMember.NON_GROUP_MEMBER:
        return -1
    default = _default_group()
    if group is None or group is GroupMember.WORLD:
        return default.rank()
    return get_group_rank(group, default.rank())


def get_world_size(group=None):
    """The number of processes in group (default: the default group)."""
    if group == GroupMember.NON_GROUP_MEMBER:
        return -1
    return _group_or_default(group).size()


def _registered(grp):
    if grp not in _world.pg_group_ranks:
        raise ValueError(f"Group {grp} is not registered, please create group with "
                         f"torch.distributed.new_group API")
    return _world.pg_group_ranks[grp]


def get_group_rank(group, global_rank):
    """Translate a global rank into a rank of group."""
    if group is GroupMember.WORLD:
        return global_rank
    ranks = _registered(group)
    if global_rank not in ranks:
        raise ValueError(f"Global rank {global_rank} is not part of group {group}")
    return ranks[global_rank]


def get_global_rank(group, group_rank):
    """Translate a rank of group into a global rank."""
    if group is GroupMember.WORLD:
        return group_rank
    for rank, grp_rank in _registered(group).items():
        if grp_rank == group_rank:
            return rank
    raise ValueError(f"Group rank {group_rank} is not part of group {group}")


def get_process_group_ranks(group):
    """The global ranks of group, ordered by group rank."""
    return list(_world.pg_group_ranks[group or _default_group()].keys())


def _pg_or_default(group):
    pg = group or _default_group()
    if pg == GroupMember.NON_GROUP_MEMBER:
        raise ValueError("Invalid process group specified")
    return pg


def get_backend(group=None):
    """The backend of group as a lower-case string."""
    pg = _pg_or_default(group)
    if pg not in _world.pg_map:
        raise ValueError(f"Process group {pg} is not initialized in the world group map. Please "
                         f"initialize the group first.")
    return Backend(_world.pg_map[pg])


def get_backend_config(group=None):
    """The device:backend pairs of group, e.g. "cpu:gloo,cuda:gloo"."""
    return str(_world.pg_config.get(_pg_or_default(group)))


def new_group(ranks=None, timeout=None, backend=None, pg_options=None,
              use_local_synchronization=False, group_desc=None, device_id=None,
              sort_ranks=True):
    """Create a group of some of the default group's ranks (here: at most rank 0)."""
    default = _default_group()
    world_size = default.size()
    if ranks:
        if len(set(ranks)) != len(ranks):
            raise ValueError(f"ranks list must not contain duplicate entries, got {ranks}")
        for r in ranks:
            if r < 0 or r >= world_size:
                raise ValueError(f"Rank {r} is out of range. Valid ranks are 0 to "
                                 f"{world_size - 1} (world_size={world_size})")
        ranks = sorted(ranks) if sort_ranks else list(ranks)
    else:
        ranks = list(range(world_size))
    backend = Backend(backend) if backend is not None else _world.pg_map[default]
    device_map = _device_backend_map(backend)
    _check_backends(device_map)
    name = str(_world.group_count)
    _world.group_count += 1
    if default.rank() not in ranks:
        return GroupMember.NON_GROUP_MEMBER
    pg = ProcessGroup(ranks.index(default.rank()), len(ranks), device_map, name)
    _world.pg_map[pg] = backend
    _world.pg_config[pg] = ",".join(f"{d}:{b}" for d, b in device_map.items())
    _world.pg_group_ranks[pg] = {g: i for i, g in enumerate(ranks)}
    return pg
