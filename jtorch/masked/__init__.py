"""torch.masked: reductions and normalizations that ignore masked-out elements."""

__all__ = []
