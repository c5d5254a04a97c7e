"""Differential tests of jtorch.autograd (Function, functional, func, backward) against torch."""
