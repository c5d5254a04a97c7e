"""Fixtures shared by the compile tests."""
import pytest

from jtorch._compile import state as S


@pytest.fixture
def walks(monkeypatch):
    """Counts state walks (S.collect calls made by a compiled call)."""
    n = [0]
    real = S.collect

    def counting(*a, **k):
        n[0] += 1
        return real(*a, **k)
    monkeypatch.setattr(S, "collect", counting)
    return n
