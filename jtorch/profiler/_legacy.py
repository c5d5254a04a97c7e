"""torch.autograd.profiler's profile, emit_nvtx and emit_itt (shared by torch.profiler.profile)."""
import warnings

from ._collector import Session
from ._trace import chrome_trace

__all__ = ["profile", "emit_nvtx", "emit_itt"]


def _cuda_available():
    from .. import cuda
    return cuda.is_available()


class profile:
    """Context manager that records the CPU time of every eager op and record_function range.

    Only CPU activity is recorded: with use_cuda=True / use_device='cuda' and a GPU present,
    device kernels are not attributed (device-time columns stay absent). with_stack and
    with_modules are accepted and record nothing; profile_memory counts the bytes of op
    outputs (not frees); with_flops counts mm/bmm/matmul/add/mul flops as torch's formulas do.
    """

    def __init__(self, enabled=True, *, use_cuda=False, use_device=None, record_shapes=False,
                 with_flops=False, profile_memory=False, with_stack=False, with_modules=False,
                 use_kineto=False, use_cpu=True, experimental_config=None, acc_events=False,
                 custom_trace_id_callback=None, post_processing_timeout_s=None,
                 activity_filters=None):
        self.enabled = enabled
        if not self.enabled:
            return
        self.use_cuda = use_cuda
        if self.use_cuda:
            warnings.warn("The attribute `use_cuda` will be deprecated soon, please use "
                          "``use_device = 'cuda'`` instead.", FutureWarning, stacklevel=2)
            self.use_device = "cuda"
        else:
            self.use_device = use_device
        self.function_events = None
        self.entered = False
        self.record_shapes = record_shapes
        self.with_flops = with_flops
        self.record_shapes |= self.with_flops
        self.profile_memory = profile_memory
        self.with_stack = with_stack
        self.with_modules = with_modules
        self.use_cpu = use_cpu
        self.acc_events = acc_events
        self.custom_trace_id_callback = custom_trace_id_callback
        self.profiling_start_time_ns = 0
        self.profiling_end_time_ns = 0
        self._session = None
        self._old_sessions = []
        if self.use_device == "cuda" and not _cuda_available():
            warnings.warn("CUDA is not available, disabling CUDA profiling", stacklevel=2)
            self.use_cuda = False
            self.use_device = None

    def __enter__(self):
        if not self.enabled:
            return
        if self.entered:
            raise RuntimeError("Profiler context manager is not reentrant")
        self._prepare_trace()
        self._start_trace()
        return self

    def _prepare_trace(self):
        self.entered = True
        if self._session is not None and self.acc_events:
            self._old_sessions.append(self._session)
        self._session = Session(record_shapes=self.record_shapes,
                                profile_memory=self.profile_memory,
                                with_flops=self.with_flops, use_device=self.use_device)

    def _start_trace(self):
        self.entered = True
        self._session.start()
        self.profiling_start_time_ns = self._session.t0

    def __exit__(self, exc_type, exc_val, exc_tb):
        if not self.enabled:
            return
        self._session.stop()
        self.profiling_end_time_ns = self._session.t1
        self.function_events = self._build_events()
        self.entered = False
        return False

    def _build_events(self):
        sessions = self._old_sessions + [self._session]
        if len(sessions) == 1:
            return self._session.events()
        # NOTE: acc_events: events of earlier cycles are kept, each cycle's tree built apart.
        out = self._event_list()
        for s in sessions:
            out.extend(s.events())
        for i, e in enumerate(out):
            e.id = i + 1
        out._tree_built = True
        return out

    def __repr__(self):
        if self.function_events is None:  # NOTE: torch's text before the profile has run
            return "<unfinished torch.autograd.profile>"
        return repr(self.function_events)

    def __str__(self):
        if self.function_events is None:
            return "<unfinished torch.autograd.profile>"
        return str(self.function_events)

    def _ensure_function_events(self):
        # NOTE: as in torch, before the profile has run this is an empty (built) EventList.
        if self.function_events is None:
            self.function_events = self._event_list()
            self.function_events._build_tree()

    def _event_list(self):
        """An empty EventList with this profile's device, memory and flops settings."""
        from ._events import EventList
        return EventList(use_device=self.use_device, profile_memory=self.profile_memory,
                         with_flops=self.with_flops)

    def table(self, sort_by=None, row_limit=100, max_src_column_width=75,
              max_name_column_width=55, max_shapes_column_width=80, header=None,
              top_level_events_only=False):
        """The recorded events as torch's text table (see EventList.table)."""
        self._ensure_function_events()
        return self.function_events.table(
            sort_by=sort_by, row_limit=row_limit, max_src_column_width=max_src_column_width,
            max_name_column_width=max_name_column_width,
            max_shapes_column_width=max_shapes_column_width, header=header,
            top_level_events_only=top_level_events_only)

    def export_chrome_trace(self, path, metadata=None, use_python_export=False):
        """Write the recorded events as a Chrome trace JSON file (metadata: extra top-level
        entries)."""
        import json
        self._ensure_function_events()
        wall0 = self._session.wall0 if self._session is not None else 0
        trace = chrome_trace(self.function_events, path, wall0, self.record_shapes)
        trace.update(metadata or {})
        with open(path, "w") as f:
            json.dump(trace, f)

    def export_stacks(self, path, metric="self_cpu_time_total"):
        """Write stacks for flame graphs (jtorch records no stacks: the file is empty)."""
        self._ensure_function_events()
        if not self.with_stack:
            raise AssertionError("export_stacks() requires with_stack=True")
        return self.function_events.export_stacks(path, metric)

    def key_averages(self, group_by_input_shape=False, group_by_stack_n=0,
                     group_by_overload_name=False):
        """Events averaged by key (name, and input shapes when group_by_input_shape)."""
        self._ensure_function_events()
        return self.function_events.key_averages(group_by_input_shape, group_by_stack_n,
                                                 group_by_overload_name)

    def total_average(self):
        """One FunctionEventAvg summing all events."""
        self._ensure_function_events()
        return self.function_events.total_average()

    @property
    def self_cpu_time_total(self):
        """Total self CPU time (us) of all recorded events."""
        self._ensure_function_events()
        return self.function_events.self_cpu_time_total


class emit_nvtx:
    """Context manager that would annotate ops as NVTX ranges for nvprof/Nsight.
    NOTE: as in torch, entering it needs CUDA (torch's AssertionError from cuda.synchronize
    on a machine without a GPU); with a GPU it synchronizes and emits no NVTX ranges."""

    def __init__(self, enabled=True, record_shapes=False):
        self.enabled = enabled
        self.entered = False
        self.record_shapes = record_shapes

    def __enter__(self):
        if not self.enabled:
            return
        if self.entered:
            raise RuntimeError("NVTX annotation context manager is not reentrant")
        self.entered = True
        from .. import cuda
        cuda.synchronize()
        return self

    def __exit__(self, exc_type, exc_val, exc_tb):
        if not self.enabled:
            return
        from .. import cuda
        cuda.synchronize()
        self.entered = False
        return False


class emit_itt:
    """Context manager that would annotate ops as Intel ITT ranges (VTune).
    NOTE: accepted on any machine as torch's CPU build does; jtorch emits no ITT ranges."""

    def __init__(self, enabled=True, record_shapes=False):
        self.enabled = enabled
        self.entered = False
        self.record_shapes = record_shapes

    def __enter__(self):
        if not self.enabled:
            return
        if self.entered:
            raise RuntimeError("ITT annotation context manager is not reentrant")
        self.entered = True
        return self

    def __exit__(self, exc_type, exc_val, exc_tb):
        if not self.enabled:
            return
        self.entered = False
        return False
