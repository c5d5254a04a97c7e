"""Chrome trace (chrome://tracing, Perfetto) JSON for profiler events, in torch's layout."""
import os
import socket
import uuid

__all__ = ["chrome_trace"]


def _meta(name, pid, tid, ts, args):
    return {"ph": "M", "name": name, "ts": ts, "pid": pid, "tid": tid, "args": args}


def chrome_trace(events, path, base_ns=0, record_shapes=False):
    """The trace dict for FunctionEvents `events`; their times (us) are relative to the wall
    clock time base_ns. NOTE: ts are absolute (epoch) microseconds, so baseTimeNanoseconds is 0."""
    pid = os.getpid()
    base_us = base_ns / 1000.0
    ts0 = base_us + (min((e.time_range.start for e in events), default=0.0))
    trace = [_meta("process_name", pid, 0, ts0, {"name": "python"}),
             _meta("process_labels", pid, 0, ts0, {"labels": "CPU"}),
             _meta("process_sort_index", pid, 0, ts0, {"sort_index": pid})]
    tids = []
    for e in events:
        tid = getattr(e, "_os_tid", e.thread)
        if tid not in tids:
            tids.append(tid)
            trace.append(_meta("thread_name", pid, tid, ts0,
                               {"name": f"thread {tid} (python)"}))
            trace.append(_meta("thread_sort_index", pid, tid, ts0, {"sort_index": tid}))
    for i, e in enumerate(events):
        args = {"External id": e.id, "Record function id": 0, "Ev Idx": i}
        if not e.is_user_annotation:
            args["Sequence number"] = e.sequence_nr
            if e.input_shapes:
                args["Input Dims"] = e.input_shapes
        trace.append({"ph": "X", "cat": "user_annotation" if e.is_user_annotation else "cpu_op",
                      "name": e.trace_name or e.name, "pid": pid,
                      "tid": getattr(e, "_os_tid", e.thread),
                      "ts": base_us + e.time_range.start, "dur": e.time_range.elapsed_us(),
                      "args": args})
    out = {"schemaVersion": 1, "deviceProperties": [], "trace_id": uuid.uuid4().hex.upper(),
           "host_name": socket.gethostname(), "displayTimeUnit": "ms",
           "baseTimeNanoseconds": 0, "traceEvents": trace, "traceName": path}
    if record_shapes:
        out["record_shapes"] = 1
    return out
