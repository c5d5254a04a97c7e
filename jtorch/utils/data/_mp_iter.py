"""The DataLoader iterator that runs worker processes (torch's _MultiProcessingDataLoaderIter).

NOTE: workers never import JAX on their own (see _worker.py): the dataset, collate_fn and
worker_init_fn are pickled here (cloudpickle, see `_dumps_for_workers`) and unpickled in the
worker; the default collate runs in NumPy mode there and batches become jtorch tensors when they
are unpickled in this process. Workers start with the 'spawn' context by default (fork after JAX
has started its threads can deadlock), as fresh interpreters that never re-run the main script
(see `_fresh_workers`), so scripts need no `if __name__ == "__main__":` guard.
JAX_PLATFORMS=cpu is put in the environment they inherit, so a dataset that does use jtorch in a
worker runs it on the CPU and never claims accelerator memory.
"""
import atexit
import collections
import contextlib
import io
import itertools
import multiprocessing as python_multiprocessing
import multiprocessing.spawn as _mp_spawn
import os
import pickle
import queue
import sys
import threading
import time
from multiprocessing.reduction import ForkingPickler

from . import _worker
from ._utils.collate import default_collate, default_convert
from .dataloader import _BaseDataLoaderIter, _DatasetKind, _is_plain_tensor_dataset

__all__ = []

# NOTE: how often a blocked main process checks that its workers are still alive.
_LIVENESS_POLL_S = 0.5
# NOTE: spawned workers take seconds to start (a fresh interpreter that imports the dataset's
# modules); `timeout` counts from when the workers report ready, startup itself gets this long.
_STARTUP_ALLOWANCE_S = 120.0
_python_exit_status = False


def _set_python_exit_flag():
    global _python_exit_status
    _python_exit_status = True


atexit.register(_set_python_exit_flag)


class KeyErrorMessage(str):
    """str subclass whose repr is itself (so a KeyError shows the traceback text readably)."""

    def __repr__(self):
        return self


def _reraise(where, cls_bytes, type_name, text):
    """Raise the worker's exception in this process with its traceback text (torch's format)."""
    msg = f"Caught {type_name} {where}.\nOriginal {text}"
    exc_type = None
    if cls_bytes is not None:
        try:
            exc_type = pickle.loads(cls_bytes)
        except Exception:
            exc_type = None
    if exc_type is None:
        raise RuntimeError(msg)
    if exc_type is KeyError:
        msg = KeyErrorMessage(msg)
    elif getattr(exc_type, "message", None):
        raise exc_type(message=msg)
    try:
        exception = exc_type(msg)
    except Exception:
        raise RuntimeError(msg) from None
    raise exception


@contextlib.contextmanager
def _worker_environment():
    """The environment started workers inherit: JAX limited to the CPU."""
    saved = os.environ.get("JAX_PLATFORMS")
    os.environ["JAX_PLATFORMS"] = "cpu"
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("JAX_PLATFORMS", None)
        else:
            os.environ["JAX_PLATFORMS"] = saved


# NOTE: held while workers start: _fresh_workers swaps a multiprocessing.spawn function.
_start_lock = threading.Lock()


@contextlib.contextmanager
def _fresh_workers():
    """Workers started in this block (by this thread) never re-run the main module.

    NOTE: a 'spawn' or 'forkserver' child prepares itself from the data that
    multiprocessing.spawn.get_preparation_data gives (sys.path, cwd, argv, ...), which also names
    the parent's main script or module (init_main_from_path / init_main_from_name): the child
    runs it again, as `__mp_main__`, before it unpickles its target, so an unguarded script would
    rerun its training loop in every worker and die there. Under torch (fork on Linux) such
    scripts work, so jtorch's workers skip it: they need nothing from the main module (the
    target is `exec` of `_worker._BOOTSTRAP`; the dataset, collate_fn and worker_init_fn travel
    cloudpickled, with what the script defined by value). While this block runs, the module's
    get_preparation_data is wrapped to drop those two keys, for calls from this thread only (the
    lock keeps concurrent DataLoaders from interleaving the swap; other threads' processes see
    the data unchanged). The spawn and forkserver Popens (and the forkserver's own start, whose
    main-module preload reads the same data) look the function up at call time; 'fork' never
    calls it, so nothing changes there.
    """
    with _start_lock:
        original = _mp_spawn.get_preparation_data
        me = threading.get_ident()

        def get_preparation_data(name):
            data = original(name)
            if threading.get_ident() == me:
                data.pop("init_main_from_path", None)
                data.pop("init_main_from_name", None)
            return data

        _mp_spawn.get_preparation_data = get_preparation_data
        try:
            yield
        finally:
            _mp_spawn.get_preparation_data = original


_WorkerPickler = None


def _dumps_for_workers(obj):
    """Pickle `obj` (the dataset, collate_fn and worker_init_fn, together) for the workers.

    NOTE: workers never run the main module (see `_fresh_workers`), so cloudpickle pickles what
    it defines (classes, functions, and the module globals they read) by value; everything
    importable is pickled by reference as plain pickle would, and modules by their real name (so
    a script's `torch` global arrives as jtorch). One pickle for all three: functions from the
    same module then share one copy of its globals in the worker, so a global that
    worker_init_fn sets is the one the dataset reads, as with fork. multiprocessing's own
    reducers (ForkingPickler's: connections, sockets) still apply; the workers read it with plain
    pickle.loads.
    """
    global _WorkerPickler
    if _WorkerPickler is None:
        import cloudpickle

        class _WorkerPickler(cloudpickle.Pickler):
            dispatch_table = collections.ChainMap(
                cloudpickle.Pickler.dispatch_table,
                getattr(ForkingPickler, "_extra_reducers", {}))
    buf = io.BytesIO()
    _WorkerPickler(buf, protocol=pickle.HIGHEST_PROTOCOL).dump(obj)
    return buf.getvalue()


def _shim_file():
    """jtorch/_shim.py when this process has the `import torch` -> jtorch finder installed, else
    None (workers then install it too; see _worker._BOOTSTRAP)."""
    shim = sys.modules.get("jtorch._shim")
    if shim is not None and shim.is_installed():
        return shim.__file__
    return None


class _MultiProcessingDataLoaderIter(_BaseDataLoaderIter):
    def __init__(self, loader):
        super().__init__(loader)
        self._prefetch_factor = loader.prefetch_factor
        self._in_order = loader.in_order
        if self._prefetch_factor <= 0:
            raise AssertionError("prefetch_factor must be greater than 0 for "
                                 "MultiProcessingDataLoaderIter")
        ctx = loader.multiprocessing_context or python_multiprocessing.get_context("spawn")
        self._shutdown = False
        self._num_ready = 0
        self._workers = []
        self._index_queues = []
        self._worker_result_queue = ctx.Queue()
        self._workers_done_event = ctx.Event()
        shared = []   # the objects the workers get in one cloudpickle ("pickle" specs index it)

        def spec(obj):
            if obj is None:
                return ("none", None)
            shared.append(obj)
            return ("pickle", len(shared) - 1)

        collate_spec, dataset_spec = self._specs(loader, spec)
        init_spec = spec(loader.worker_init_fn)
        shared_blob = _dumps_for_workers(tuple(shared)) if shared else None
        bootstrap_globals = {"_path": _worker.__file__, "_shim": _shim_file()}
        with _worker_environment(), _fresh_workers():
            for i in range(self._num_workers):
                index_queue = ctx.Queue()
                index_queue.cancel_join_thread()
                args = (self._dataset_kind == _DatasetKind.Iterable, index_queue,
                        self._worker_result_queue, self._workers_done_event,
                        self._auto_collation, self._drop_last, self._base_seed, i,
                        self._num_workers)
                w = ctx.Process(target=exec, args=(_worker._BOOTSTRAP,
                                                   dict(bootstrap_globals, _args=args)))
                w.daemon = True
                w.start()
                index_queue.put(("init", shared_blob, dataset_spec, collate_spec, init_spec))
                self._index_queues.append(index_queue)
                self._workers.append(w)
        self._data_queue = self._worker_result_queue
        self._reset(loader, first_iter=True)

    def _specs(self, loader, spec):
        """What the workers receive: the default collate by name, everything else pickled."""
        fn = loader.collate_fn
        if fn is default_collate:
            collate_spec = ("default_collate", None)
            if self._auto_collation and _is_plain_tensor_dataset(self._dataset):
                # NOTE: a TensorDataset goes as NumPy arrays, so workers need no jtorch at all.
                arrays = [t.detach().numpy() for t in self._dataset.tensors]
                return collate_spec, ("arrays", arrays)
        elif fn is default_convert:
            collate_spec = ("default_convert", None)
        else:
            collate_spec = spec(fn)
        return collate_spec, spec(self._dataset)

    def _reset(self, loader, first_iter=False):
        super()._reset(loader, first_iter)
        self._send_idx = 0
        self._rcvd_idx = 0
        self._task_info = {}
        self._tasks_outstanding = 0
        self._workers_status = [True for _ in range(self._num_workers)]
        self._workers_num_tasks = [0 for _ in range(self._num_workers)]
        self._worker_queue_idx_cycle = itertools.cycle(range(self._num_workers))
        if not first_iter:
            for idx in range(self._num_workers):
                self._index_queues[idx].put(("resume",))
            resume_iteration_cnt = self._num_workers
            while resume_iteration_cnt > 0:
                _, tag, _ = self._get_data()
                if tag == "resume":
                    resume_iteration_cnt -= 1
        for _ in range(self._prefetch_factor * self._num_workers):
            self._try_put_index()

    def _dead_workers_error(self):
        failed = [w for wid, w in enumerate(self._workers)
                  if self._workers_status[wid] and not w.is_alive()]
        if failed:
            for w in failed:
                self._workers_status[self._workers.index(w)] = False
            pids = ", ".join(str(w.pid) for w in failed)
            return RuntimeError(f"DataLoader worker (pid(s) {pids}) exited unexpectedly")
        return None

    def _deadline(self):
        if self._timeout <= 0:
            return None
        now = time.monotonic()
        if self._num_ready < self._num_workers:
            return now + self._timeout + _STARTUP_ALLOWANCE_S
        return now + self._timeout

    def _get_data(self):
        """The next message from the workers; raises if a worker died or `timeout` passed."""
        deadline = self._deadline()
        while True:
            wait = _LIVENESS_POLL_S if deadline is None else \
                max(0.0, min(_LIVENESS_POLL_S, deadline - time.monotonic()))
            try:
                msg = self._data_queue.get(timeout=wait)
            except queue.Empty:
                msg = None
            if msg is not None:
                if msg[1] != "ready":
                    return msg
                self._num_ready += 1
                deadline = self._deadline()
                continue
            err = self._dead_workers_error()
            if err is not None:
                self._shutdown_workers()
                raise err
            if deadline is not None and time.monotonic() >= deadline:
                raise RuntimeError(f"DataLoader timed out after {self._timeout} seconds")

    def _next_data(self):
        while True:
            while self._rcvd_idx < self._send_idx:
                info = self._task_info.get(self._rcvd_idx, None)
                if info:
                    worker_id = info[0]
                    if len(info) == 2 or self._workers_status[worker_id]:
                        break
                    del self._task_info[self._rcvd_idx]
                self._rcvd_idx += 1
            else:
                if not self._persistent_workers:
                    self._shutdown_workers()
                raise StopIteration
            if len(self._task_info[self._rcvd_idx]) == 2:
                worker_id, data = self._task_info.pop(self._rcvd_idx)
                self._rcvd_idx += 1
                return self._process_data(data, worker_id)
            if self._shutdown or self._tasks_outstanding <= 0:
                raise AssertionError("Invalid iterator state: shutdown or no outstanding tasks "
                                     "when fetching next data")
            idx, tag, payload = self._get_data()
            self._tasks_outstanding -= 1
            if tag == "stop":
                if self._persistent_workers:
                    self._workers_status[payload] = False
                else:
                    self._mark_worker_as_unavailable(payload)
                self._try_put_index()
                continue
            data = (tag, payload)
            if idx != self._rcvd_idx:
                if not self._in_order:
                    worker_id = self._task_info.pop(idx)[0]
                    return self._process_data(data, worker_id)
                self._task_info[idx] += (data,)
            else:
                worker_id = self._task_info.pop(idx)[0]
                self._rcvd_idx += 1
                return self._process_data(data, worker_id)

    def _try_put_index(self):
        max_tasks = self._prefetch_factor * self._num_workers
        try:
            index = self._next_index()
        except StopIteration:
            return
        for _ in range(self._num_workers):
            worker_queue_idx = next(self._worker_queue_idx_cycle)
            if self._workers_status[worker_queue_idx]:
                if self._in_order:
                    break
                if self._workers_num_tasks[worker_queue_idx] < \
                        max_tasks // sum(self._workers_status):
                    break
        else:
            return
        self._index_queues[worker_queue_idx].put(("task", self._send_idx, index))
        self._task_info[self._send_idx] = (worker_queue_idx,)
        self._workers_num_tasks[worker_queue_idx] += 1
        self._tasks_outstanding += 1
        self._send_idx += 1

    def _process_data(self, data, worker_idx):
        self._workers_num_tasks[worker_idx] -= 1
        self._try_put_index()
        tag, payload = data
        if tag == "exc":
            _reraise(*payload)
        # NOTE: unpickling turns the worker's NumPy leaves into jtorch tensors, here.
        return pickle.loads(payload)

    def _mark_worker_as_unavailable(self, worker_id, shutdown=False):
        self._index_queues[worker_id].put(None)
        self._workers_status[worker_id] = False

    def _shutdown_workers(self):
        if _python_exit_status or self._shutdown:
            return
        self._shutdown = True
        try:
            self._workers_done_event.set()
            for worker_id in range(len(self._workers)):
                if self._persistent_workers or self._workers_status[worker_id]:
                    if self._workers[worker_id].is_alive():
                        self._mark_worker_as_unavailable(worker_id, shutdown=True)
            for w in self._workers:
                w.join(timeout=_worker.MP_STATUS_CHECK_INTERVAL)
            for q in self._index_queues:
                q.cancel_join_thread()
                q.close()
        finally:
            for w in self._workers:
                if w.is_alive():
                    w.terminate()
                    w.join(timeout=_worker.MP_STATUS_CHECK_INTERVAL)
            self._worker_result_queue.cancel_join_thread()
            self._worker_result_queue.close()

    def __del__(self):
        if "_worker_result_queue" in self.__dict__:  # NOTE: __init__ may have failed early
            self._shutdown_workers()
