"""torch.utils.benchmark.utils.timer: Timer over Python's timeit, as torch's is."""
import enum
import statistics
import textwrap
import timeit

from .... import cuda as _cuda
from . import common

__all__ = ["Timer", "timer", "Language"]


def timer():
    """timeit.default_timer, after waiting for queued GPU work when a GPU is present (torch:
    torch.accelerator.synchronize()). NOTE: like torch on CPU, no wait happens without a GPU;
    JAX may still be finishing the last dispatched CPU op of a block when the clock is read."""
    if _cuda.is_available():
        _cuda.synchronize()
    return timeit.default_timer()


class Language(enum.Enum):
    """The language of the timed statement (jtorch times Python only)."""
    PYTHON = 0
    CPP = 1


class Timer:
    """Helper class for measuring execution time of PyTorch statements.

    `stmt` runs with `torch` bound to jtorch in its globals (as torch binds itself). C++
    statements (language='cpp') and collect_callgrind are not supported by jtorch."""

    _timer_cls = timeit.Timer

    def __init__(self, stmt="pass", setup="pass", global_setup="", timer=timer, globals=None,
                 label=None, sub_label=None, description=None, env=None, num_threads=1,
                 language=Language.PYTHON):
        if not isinstance(stmt, str):
            raise ValueError("Currently only a `str` stmt is supported.")
        self._globals = dict(globals or {})
        if language in (Language.PYTHON, "py", "python"):
            import jtorch
            self._globals.setdefault("torch", jtorch)
            self._language = Language.PYTHON
            if global_setup:
                raise ValueError(
                    f"global_setup is C++ only, got `{global_setup}`. Most likely this code "
                    "can simply be moved to `setup`.")
        elif language in (Language.CPP, "cpp", "c++"):
            # NOTE: torch compiles C++ statements with a C++ toolchain; jtorch has no C++ API.
            raise NotImplementedError("jtorch's Timer times Python statements only "
                                      "(language='cpp' is not supported).")
        else:
            raise ValueError(f"Invalid language `{language}`.")
        stmt = textwrap.dedent(stmt)
        stmt = (stmt[1:] if stmt and stmt[0] == "\n" else stmt).rstrip()
        setup = textwrap.dedent(setup)
        setup = (setup[1:] if setup and setup[0] == "\n" else setup).rstrip()
        self._timer = self._timer_cls(stmt=stmt, setup=setup, timer=timer,
                                      globals=self._globals)
        self._task_spec = common.TaskSpec(stmt=stmt, setup=setup, global_setup=global_setup,
                                          label=label, sub_label=sub_label,
                                          description=description, env=env,
                                          num_threads=num_threads)

    def _timeit(self, number):
        # NOTE: never zero, so that later divisions are safe (as torch).
        return max(self._timer.timeit(number), 1e-9)

    def timeit(self, number=1000000):
        """Execute the main statement `number` times (after a warmup of number // 100)."""
        with common.set_torch_threads(self._task_spec.num_threads):
            self._timeit(number=max(int(number // 100), 2))
            return common.Measurement(number_per_run=number,
                                      raw_times=[self._timeit(number=number)],
                                      task_spec=self._task_spec)

    def repeat(self, repeat=-1, number=-1):
        """Not supported, as in torch: use blocked_autorange."""
        raise NotImplementedError("See `Timer.blocked_autorange.`")

    def autorange(self, callback=None):
        """Not supported, as in torch: use blocked_autorange."""
        raise NotImplementedError("See `Timer.blocked_autorange.`")

    def _threaded_measurement_loop(self, number, time_hook, stop_hook, min_run_time,
                                   max_run_time=None, callback=None):
        total_time = 0.0
        can_stop = False
        times = []
        with common.set_torch_threads(self._task_spec.num_threads):
            while total_time < min_run_time or not can_stop:
                time_spent = time_hook()
                times.append(time_spent)
                total_time += time_spent
                if callback:
                    callback(number, time_spent)
                can_stop = stop_hook(times)
                if max_run_time and total_time > max_run_time:
                    break
        return times

    def _estimate_block_size(self, min_run_time):
        with common.set_torch_threads(self._task_spec.num_threads):
            # NOTE: one untimed run first: JAX compiles each op on its first use, which would
            # otherwise end the block-size search at a block of 1.
            self._timeit(1)
            # NOTE: the timer's own overhead, measured with an empty loop.
            overhead = statistics.median_low([self._timeit(0) for _ in range(5)])
            number = 1
            while True:
                time_taken = self._timeit(number)
                relative_overhead = overhead / time_taken
                if relative_overhead <= 1e-4 and time_taken >= min_run_time / 1000:
                    break
                if time_taken > min_run_time:
                    break
                if number * 10 > 2147483647:  # NOTE: avoid overflowing a C int (as torch)
                    break
                number *= 10
        return number

    def blocked_autorange(self, callback=None, min_run_time=0.2):
        """Measure in blocks (sized so timer overhead is < 0.1%) for at least min_run_time."""
        number = self._estimate_block_size(min_run_time)
        times = self._threaded_measurement_loop(number, lambda: self._timeit(number),
                                                lambda times: True,
                                                min_run_time=min_run_time, callback=callback)
        return common.Measurement(number_per_run=number, raw_times=times,
                                  task_spec=self._task_spec)

    def adaptive_autorange(self, threshold=0.1, *, min_run_time=0.01, max_run_time=10.0,
                           callback=None):
        """Measure blocks until IQR / median < threshold (after min_run_time) or
        max_run_time is reached."""
        number = self._estimate_block_size(min_run_time=0.05)

        def stop_hook(times):
            if len(times) > 3:
                return common.Measurement(number_per_run=number, raw_times=times,
                                          task_spec=self._task_spec
                                          ).meets_confidence(threshold=threshold)
            return False

        times = self._threaded_measurement_loop(number, lambda: self._timeit(number),
                                                stop_hook, min_run_time, max_run_time,
                                                callback=callback)
        return common.Measurement(number_per_run=number, raw_times=times,
                                  task_spec=self._task_spec)
