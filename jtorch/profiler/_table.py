"""The profiler's text table (torch.autograd.profiler_util._build_table's exact layout)."""
import math

from ._enums import DeviceType
from ._events import EventList, _format_memory, _format_time, _format_time_share

__all__ = []

_DEVICE_TYPES = (DeviceType.CUDA, DeviceType.PrivateUse1, DeviceType.MTIA, DeviceType.XPU)
_SPACING = 2
_DEFAULT_WIDTH = 12
_FLOP_HEADERS = ["FLOPs", "KFLOPs", "MFLOPs", "GFLOPs", "TFLOPs", "PFLOPs"]


def _auto_scale_flops(flops):
    log_flops = max(0, min(math.log10(flops) / 3, float(len(_FLOP_HEADERS) - 1)))
    return pow(10, math.floor(log_flops) * -3.0), _FLOP_HEADERS[int(log_flops)]


def _trim_path(path, width):
    if len(path) > width:
        path = path[len(path) - width:]
        if len(path) > 3:
            path = "..." + path[3:]
    return path


def _time(time_us, default_str, time_unit):
    if time_unit == "s":
        return f"{time_us / 1e6:.3f}s"
    if time_unit == "ms":
        return f"{time_us / 1e3:.3f}ms"
    if time_unit == "us":
        return f"{time_us:.3f}us"
    return default_str


class _Layout:
    """Row format, separator and line length built column by column."""

    def __init__(self):
        self.fmt, self.sep, self.length = "", "", -_SPACING

    def add(self, width, text_dir=">"):
        self.fmt += "{: " + text_dir + str(width) + "}" + " " * _SPACING
        self.sep += "-" * width + " " * _SPACING
        self.length += width + _SPACING


def _build_table(events, sort_by=None, header=None, row_limit=100, max_src_column_width=75,
                 max_name_column_width=55, max_shapes_column_width=80, with_flops=False,
                 profile_memory=False, top_level_events_only=False, time_unit=None):
    """Print a summary of events (FunctionEvent or FunctionEventAvg) as torch does."""
    if len(events) == 0:
        return ""
    has_device_time = any(e.self_device_time_total > 0 for e in events)
    has_device_mem = any(e.self_device_memory_usage > 0 for e in events)
    use_device = events[0].use_device
    if not use_device and has_device_time:
        raise RuntimeError("use_device is None, but there is device performance data.")
    has_input_shapes = any(e.input_shapes is not None and len(e.input_shapes) > 0
                           for e in events)
    has_overload_names = any(e.overload_name is not None and len(e.overload_name) > 0
                             for e in events)
    if sort_by is not None:
        attr = sort_by.replace("cuda", "device").replace("xpu", "device").replace(
            "privateuse1", "device")
        events = EventList(sorted(events, key=lambda e: getattr(e, attr), reverse=True),
                           use_device=use_device, profile_memory=profile_memory,
                           with_flops=with_flops)

    name_width = max(len(e.key) for e in events) + 4
    if max_name_column_width is not None:
        name_width = min(name_width, max_name_column_width)
    shapes_width = max(len(str(e.input_shapes)) for e in events) + 4
    if max_shapes_column_width is not None:
        shapes_width = min(shapes_width, max_shapes_column_width)
    stacks = [e.stack for e in events if e.stack is not None and len(e.stack) > 0]
    has_stack = len(stacks) > 0
    src_width = None
    if has_stack:
        src_width = max(max(len(s) for s in st) for st in stacks) + 4
        if max_src_column_width is not None:
            src_width = min(src_width, max_src_column_width)

    headers = ["Name"]
    if has_overload_names:
        headers.append("Overload Name")
    headers += ["Self CPU %", "Self CPU", "CPU total %", "CPU total", "CPU time avg"]
    device_name = use_device.upper() if use_device is not None else "None"
    if has_device_time:
        headers += [f"Self {device_name}", f"Self {device_name} %", f"{device_name} total",
                    f"{device_name} time avg"]
    if profile_memory:
        headers += ["CPU Mem", "Self CPU Mem"]
        if use_device and has_device_mem:
            headers += [f"{device_name} Mem", f"Self {device_name} Mem"]
    headers.append("# of Calls")
    append_node_id = any(e.node_id != -1 for e in events)
    if append_node_id:
        headers.append("Node ID")

    lay = _Layout()
    lay.add(name_width)
    if has_overload_names:
        lay.add(name_width)
    for _ in headers[1 + has_overload_names:]:
        lay.add(_DEFAULT_WIDTH)
    if has_input_shapes:
        headers.append("Input Shapes")
        lay.add(shapes_width)
    if has_stack:
        headers.append("Source Location")
        lay.add(src_width, text_dir="<")
    flops_scale = 1.0
    if with_flops:
        raw_flops = [e.flops for e in events if e.flops and e.flops > 0]
        if raw_flops:
            flops_scale, flops_header = _auto_scale_flops(min(raw_flops))
            headers.append(f"Total {flops_header}")
            lay.add(_DEFAULT_WIDTH)
        else:
            with_flops = False

    result = []

    def append(s):
        result.append(s)
        result.append("\n")  # NOTE: a newline after the last line too, as in torch

    sum_self_cpu = 0
    sum_self_device = 0
    for e in events:
        sum_self_cpu += e.self_cpu_time_total
        if e.device_type == DeviceType.CPU and e.is_legacy:
            sum_self_device += e.self_device_time_total
        elif e.device_type in _DEVICE_TYPES and not getattr(e, "is_user_annotation", False):
            sum_self_device += e.self_device_time_total

    if header is not None:
        append("=" * lay.length)
        append(header)
    if top_level_events_only:
        append("=" * lay.length)
        append("This report only display top-level ops statistics")
    append(lay.sep)
    append(lay.fmt.format(*headers))
    append(lay.sep)

    limit = 0
    for e in events:
        if limit == row_limit:
            break
        if top_level_events_only and e.cpu_parent is not None:
            continue
        limit += 1
        name = e.key
        if max_name_column_width is not None and len(name) >= max_name_column_width - 3:
            name = name[:max_name_column_width - 3] + "..."
        e.self_cpu_percent = _format_time_share(e.self_cpu_time_total, sum_self_cpu)
        e.total_cpu_percent = (_format_time_share(e.cpu_time_total, sum_self_cpu)
                               if not e.is_async else 0)
        row = [name]
        if has_overload_names:
            ov = e.overload_name
            if max_name_column_width is not None and len(ov) >= max_name_column_width - 3:
                ov = ov[:max_name_column_width - 3] + "..."
            row.append(ov)
        row += [e.self_cpu_percent,
                _time(e.self_cpu_time_total, e.self_cpu_time_total_str, time_unit),
                e.total_cpu_percent,
                _time(e.cpu_time_total, e.cpu_time_total_str, time_unit),
                _time(e.cpu_time, e.cpu_time_str, time_unit)]
        if has_device_time:
            e.total_device_percent = _format_time_share(e.self_device_time_total,
                                                        sum_self_device)
            row += [_time(e.self_device_time_total, e.self_device_time_total_str, time_unit),
                    e.total_device_percent,
                    _time(e.device_time_total, e.device_time_total_str, time_unit),
                    _time(e.device_time, e.device_time_str, time_unit)]
        if profile_memory:
            row += [_format_memory(e.cpu_memory_usage), _format_memory(e.self_cpu_memory_usage)]
            if use_device and has_device_mem:
                row += [_format_memory(e.device_memory_usage),
                        _format_memory(e.self_device_memory_usage)]
        row.append(e.count)
        if append_node_id:
            row.append(e.node_id)
        if has_input_shapes:
            row.append(str(e.input_shapes)[:shapes_width])
        if with_flops:
            row.append("--" if not e.flops or e.flops <= 0 else
                       f"{e.flops * flops_scale:8.3f}")
        if has_stack:
            row.append(_trim_path(e.stack[0], src_width) if len(e.stack) > 0 else "")
        append(lay.fmt.format(*row))
        if has_stack:
            empty = [""] * (len(headers) - 1)
            for entry in e.stack[1:]:
                append(lay.fmt.format(*(empty + [_trim_path(entry, src_width)])))
            empty.append("")
            append(lay.fmt.format(*empty))

    append(lay.sep)
    append(f"Self CPU time total: {_time(sum_self_cpu, _format_time(sum_self_cpu), time_unit)}")
    if has_device_time:
        append(f"Self {device_name} time total: "
               f"{_time(sum_self_device, _format_time(sum_self_device), time_unit)}")
    return "".join(result)
