"""torch.Size: a tuple of ints with torch's repr."""

__all__ = ["Size"]


class Size(tuple):
    """The shape of a tensor: a tuple subclass printed as torch.Size([...])."""

    __slots__ = ()

    def __repr__(self):
        return f"torch.Size([{', '.join(str(int(d)) for d in self)}])"

    __str__ = __repr__

    def numel(self):
        """Product of the sizes."""
        n = 1
        for d in self:
            n *= d
        return n

    def __getitem__(self, item):
        r = tuple.__getitem__(self, item)
        return Size(r) if isinstance(item, slice) else r

    def __add__(self, other):
        return Size(tuple.__add__(self, tuple(other)))

    def __radd__(self, other):
        return Size(tuple(other) + tuple(self))

    def __reduce__(self):
        return (Size, (tuple(self),))
