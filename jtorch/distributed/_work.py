"""Work and Future objects returned by async collectives (always complete in one process)."""

__all__ = ["Work"]


class _Future:
    """A completed torch.futures.Future holding a collective's result tensors."""

    def __init__(self, value, error=None):
        self._value = value
        self._error = error

    def wait(self):
        """The result (already there), or raise the collective's error."""
        if self._error is not None:
            raise self._error
        return self._value

    def value(self):
        """The result (already there), or raise the collective's error."""
        return self.wait()

    def done(self):
        """True: the collective ran synchronously."""
        return True


class Work:
    """A handle on a collective; at world size 1 it has completed when it is returned."""

    # NOTE: every collective here runs eagerly in the calling process, so wait() only reports.
    def __init__(self, result=None, source_rank=-1, error=None):
        self._result = list(result) if result is not None else []
        self._src = source_rank
        self._error = error

    def wait(self, timeout=None):
        """Block until the collective completes (it has): True, or raise the error it hit."""
        if self._error is not None:
            raise self._error
        return True

    def is_completed(self):
        """True: the collective has completed."""
        return True

    def is_success(self):
        """Whether the collective succeeded."""
        return self._error is None

    def exception(self):
        """The error the collective hit, or None."""
        return self._error

    def synchronize(self):
        """Nothing to synchronize: the result is ready."""

    def result(self):
        """The collective's output tensors."""
        return self._result

    def get_future(self):
        """A completed Future holding result()."""
        return _Future(self._result, self._error)

    def source_rank(self):
        """The source rank of a receive."""
        return self._src
