"""Tests for jtorch.profiler and jtorch.autograd.profiler."""
