"""torch.nn.modules.channelshuffle: ChannelShuffle, plus the functional channel_shuffle."""
from ..._ops.registry import OPS, Op, dispatch
from .module import Module

__all__ = ["ChannelShuffle"]


def _channel_shuffle_fn(g, x):
    b, c = x.shape[:2]
    rest = x.shape[2:]
    y = x.reshape((b, g, c // g) + rest)
    return y.swapaxes(1, 2).reshape(x.shape)


_CHANNEL_SHUFFLE = Op("channel_shuffle", _channel_shuffle_fn, grad_name="ChannelShuffleBackward0")
OPS[_CHANNEL_SHUFFLE.name] = _CHANNEL_SHUFFLE


def channel_shuffle(input, groups):
    """(N, g*k, *) -> (N, k*g, *): split channels into `groups` groups and interleave them."""
    if input.dim() <= 2:
        raise RuntimeError("channel_shuffle expects input with > 2 dims, but got input with "
                           f"sizes {list(input.shape)}")
    groups = int(groups)
    if groups <= 0:
        raise RuntimeError("Number of groups to divide channels in must be positive. Value of "
                           f"groups:{groups}")
    c = input.shape[1]
    if c % groups:
        raise RuntimeError(f"Number of channels must be divisible by groups. Got {c} channels "
                           f"and {groups} groups.")
    return dispatch(_CHANNEL_SHUFFLE, (input,), (groups,))


def native_channel_shuffle(input, groups):
    """channel_shuffle (torch's native kernel entry point; same result here)."""
    # NOTE: torch defines no derivative for native_channel_shuffle (backward raises); here it is
    # differentiable like channel_shuffle.
    return channel_shuffle(input, groups)


class ChannelShuffle(Module):
    """Divide the channels of a (N, C, *) tensor into `groups` groups and interleave them."""

    __constants__ = ["groups"]

    def __init__(self, groups):
        super().__init__()
        self.groups = groups

    def forward(self, input):
        """Apply channel_shuffle."""
        return channel_shuffle(input, self.groups)

    def extra_repr(self):
        return f"groups={self.groups}"
