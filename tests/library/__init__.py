"""Differential tests of jtorch.library (custom operators) and torch.ops against torch."""
