"""torch.distributed's Backend and ReduceOp, and which backends this build has."""
import enum

__all__ = ["Backend", "ReduceOp", "is_gloo_available", "is_nccl_available", "is_mpi_available",
           "is_ucc_available", "is_xccl_available", "is_backend_available"]


class Backend(str):
    """An enum-like class for backends: Backend("GLOO") returns "gloo"."""

    UNDEFINED = "undefined"
    GLOO = "gloo"
    NCCL = "nccl"
    UCC = "ucc"
    MPI = "mpi"
    XCCL = "xccl"
    FAKE = "fake"

    backend_list = [UNDEFINED, GLOO, NCCL, XCCL, UCC, MPI, FAKE]
    default_device_backend_map = {"cpu": GLOO, "cuda": NCCL, "xpu": XCCL, "mps": GLOO}
    backend_capability = {GLOO: ["cpu", "cuda"], NCCL: ["cuda"], XCCL: ["xpu"],
                          UCC: ["cpu", "cuda"], MPI: ["cpu", "cuda"],
                          FAKE: ["cpu", "cuda", "hpu", "xpu"]}

    def __new__(cls, name):
        if not isinstance(name, str):
            raise ValueError("Backend constructor parameter must be string-ish")
        value = getattr(Backend, name.upper(), Backend.UNDEFINED)
        if value == Backend.UNDEFINED:
            value = name.lower()
        return value


class _RedOpType(enum.Enum):
    SUM = 0
    AVG = 1
    PRODUCT = 2
    MIN = 3
    MAX = 4
    BAND = 5
    BOR = 6
    BXOR = 7
    PREMUL_SUM = 8
    UNUSED = 9

    def __int__(self):
        return self.value

    def __index__(self):
        return self.value


# NOTE: torch's pybind enum is named RedOpType (str "RedOpType.SUM", repr "<RedOpType.SUM: 0>").
_RedOpType.__name__ = _RedOpType.__qualname__ = "RedOpType"


class ReduceOp:
    """The reduction operations of collectives: ReduceOp.SUM, AVG, PRODUCT, MIN, MAX, BAND, ..."""

    RedOpType = _RedOpType
    SUM = _RedOpType.SUM
    AVG = _RedOpType.AVG
    PRODUCT = _RedOpType.PRODUCT
    MIN = _RedOpType.MIN
    MAX = _RedOpType.MAX
    BAND = _RedOpType.BAND
    BOR = _RedOpType.BOR
    BXOR = _RedOpType.BXOR
    PREMUL_SUM = _RedOpType.PREMUL_SUM

    def __init__(self, op):
        if not isinstance(op, _RedOpType):
            raise TypeError("__init__(): incompatible constructor arguments. The following "
                            "argument types are supported:\n    1. torch._C._distributed_c10d."
                            "ReduceOp(arg0: c10d::ReduceOp::RedOpType)\n")
        self.op = op

    def __eq__(self, other):
        other = other.op if isinstance(other, ReduceOp) else other
        return self.op == other

    def __hash__(self):
        return hash(self.op)


def _op_type(op, fn):
    """The RedOpType of a ReduceOp / RedOpType argument, or torch's TypeError."""
    if isinstance(op, ReduceOp):
        op = op.op
    if not isinstance(op, _RedOpType) or op in (_RedOpType.PREMUL_SUM, _RedOpType.UNUSED):
        # NOTE: torch rejects a bare PREMUL_SUM (it needs a factor: _make_nccl_premul_sum)
        raise TypeError(f"(): incompatible function arguments. The following argument types are "
                        f"supported:\n    1. (self: torch._C._distributed_c10d.{fn}Options, "
                        f"arg0: torch._C._distributed_c10d.ReduceOp) -> None\n\nInvoked with: "
                        f"{op!r}")
    return op


def is_gloo_available():
    """True: jtorch's single-process groups stand in for gloo."""
    return True


def is_nccl_available():
    """Whether the nccl backend can be used (False without a GPU, like torch's CPU build)."""
    # NOTE: torch's CPU build answers False. jtorch answers True when JAX has a GPU backend, so
    # a one-process `backend="nccl"` script runs on GPU machines.
    from .. import cuda
    return cuda.is_available()


def is_mpi_available():
    """False, as in torch's CPU build."""
    return False


def is_ucc_available():
    """False, as in torch's CPU build."""
    return False


def is_xccl_available():
    """False, as in torch's CPU build."""
    return False


def is_backend_available(backend):
    """Whether the named backend can be used in this build."""
    avail = {"gloo": is_gloo_available, "nccl": is_nccl_available, "mpi": is_mpi_available,
             "ucc": is_ucc_available, "xccl": is_xccl_available}
    fn = avail.get(backend.lower())
    return fn() if fn is not None else False
