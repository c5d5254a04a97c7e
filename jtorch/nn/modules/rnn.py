"""torch.nn.modules.rnn: RNN, LSTM, GRU (multi-layer, bidirectional, packed) and their cells.

NOTE: the whole stacked recurrence (every layer and direction, inter-layer dropout, packed
lengths) is ONE registered op: a pure JAX function built on lax.scan, so a forward is one
compiled call and its backward one compiled VJP. Input projections for all time steps are one
matmul per layer-direction outside the scan.
"""
import math
import warnings

import jax
import jax.numpy as jnp
from jax import lax

from ..._ops.creation import empty, zeros
from ..._ops.registry import dispatch
from .. import init
from ..functional._activation import reg
from ..parameter import Parameter
from ..utils.rnn import PackedSequence, pack_padded_sequence, pad_packed_sequence
from .module import Module

__all__ = ["RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"]


# ---- the recurrence (pure JAX) ---------------------------------------------------------------

def _cell(mode, x_proj, h, c, w_hh, b_hh, w_hr):
    """One step: x_proj = x W_ih^T + b_ih (precomputed); returns (h', c')."""
    gh = jnp.matmul(h, w_hh.T)
    if b_hh is not None:
        gh = gh + b_hh
    if mode == "LSTM":
        i, f, g, o = jnp.split(x_proj + gh, 4, axis=-1)
        c2 = jax.nn.sigmoid(f) * c + jax.nn.sigmoid(i) * jnp.tanh(g)
        h2 = jax.nn.sigmoid(o) * jnp.tanh(c2)
        if w_hr is not None:
            h2 = jnp.matmul(h2, w_hr.T)
        return h2, c2
    if mode == "GRU":
        xr, xz, xn = jnp.split(x_proj, 3, axis=-1)
        hr, hz, hn = jnp.split(gh, 3, axis=-1)
        r = jax.nn.sigmoid(xr + hr)
        z = jax.nn.sigmoid(xz + hz)
        n = jnp.tanh(xn + r * hn)
        return (1 - z) * n + z * h, c
    pre = x_proj + gh
    return (jnp.tanh(pre) if mode == "RNN_TANH" else jnp.maximum(pre, 0)), c


def _run_direction(mode, x, h0, c0, lengths, w, reverse):
    w_ih, w_hh, b_ih, b_hh, w_hr = w
    xp = jnp.matmul(x, w_ih.T)
    if b_ih is not None:
        xp = xp + b_ih
    T = x.shape[0]

    def step(carry, inp):
        h, c = carry
        xt, t = inp
        h2, c2 = _cell(mode, xt, h, c, w_hh, b_hh, w_hr)
        if lengths is None:
            return (h2, c2), h2
        valid = (t < lengths)[:, None]
        h2 = jnp.where(valid, h2, h)
        if c is not None:
            c2 = jnp.where(valid, c2, c)
        return (h2, c2), jnp.where(valid, h2, jnp.zeros((), h2.dtype))
    (h, c), ys = lax.scan(step, (h0, c0), (xp, jnp.arange(T)), reverse=reverse)
    return ys, h, c


def _rnn_fn(mode, num_layers, bidir, has_bias, proj, batch_first, batched, p, nw,
            x, h0, c0, lengths, *rest):
    weights, drops = rest[:nw], rest[nw:]
    if not batched:
        x = x[:, None]
        h0 = h0[:, None]
        c0 = c0[:, None] if c0 is not None else None
    elif batch_first:
        x = jnp.swapaxes(x, 0, 1)
    per = (4 if has_bias else 2) + (1 if proj else 0)
    D = 2 if bidir else 1
    hs, cs = [], []
    for layer in range(num_layers):
        outs = []
        for d in range(D):
            k = layer * D + d
            ws = list(weights[k * per:(k + 1) * per])
            w_ih, w_hh = ws[0], ws[1]
            b_ih, b_hh = (ws[2], ws[3]) if has_bias else (None, None)
            w_hr = ws[-1] if proj else None
            ys, h, c = _run_direction(mode, x, h0[k], None if c0 is None else c0[k], lengths,
                                      (w_ih, w_hh, b_ih, b_hh, w_hr), d == 1)
            outs.append(ys)
            hs.append(h)
            cs.append(c)
        x = outs[0] if D == 1 else jnp.concatenate(outs, -1)
        if p > 0 and layer < num_layers - 1:
            u = drops[layer]
            u = u[:, None] if not batched else (jnp.swapaxes(u, 0, 1) if batch_first else u)
            x = jnp.where(u >= p, x / (1 - p), jnp.zeros((), x.dtype))
    h_n = jnp.stack(hs)
    c_n = jnp.stack(cs) if c0 is not None else None
    if not batched:
        x, h_n = x[:, 0], h_n[:, 0]
        c_n = c_n[:, 0] if c_n is not None else None
    elif batch_first:
        x = jnp.swapaxes(x, 0, 1)
    if c_n is None:
        return x, h_n
    return x, h_n, c_n


_RNN_OP = reg("rnn", _rnn_fn, "RnnBackward0", nout=2)
_LSTM_OP = reg("lstm", _rnn_fn, "LstmBackward0", nout=3)


# ---- modules ----------------------------------------------------------------------------------

class RNNBase(Module):
    """Base class of RNN, LSTM and GRU (torch's parameter names, layout and init)."""

    __constants__ = ["mode", "input_size", "hidden_size", "num_layers", "bias", "batch_first",
                     "dropout", "bidirectional", "proj_size"]

    def __init__(self, mode, input_size, hidden_size, num_layers=1, bias=True,
                 batch_first=False, dropout=0.0, bidirectional=False, proj_size=0, device=None,
                 dtype=None):
        fk = {"device": device, "dtype": dtype}
        super().__init__()
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        self.proj_size = proj_size
        num_directions = 2 if bidirectional else 1
        if not isinstance(dropout, (int, float)) or isinstance(dropout, bool) or \
                not 0 <= dropout <= 1:
            raise ValueError("dropout should be a number in range [0, 1] representing the "
                             "probability of an element being zeroed")
        if dropout > 0 and num_layers == 1:
            warnings.warn(f"dropout option adds dropout after all but last recurrent layer, so "
                          f"non-zero dropout expects num_layers greater than 1, but got "
                          f"dropout={dropout} and num_layers={num_layers}", stacklevel=2)
        if not isinstance(hidden_size, int) or isinstance(hidden_size, bool):
            raise TypeError(f"hidden_size should be of type int, got: "
                            f"{type(hidden_size).__name__}")
        if hidden_size <= 0:
            raise ValueError("hidden_size must be greater than zero")
        if num_layers <= 0:
            raise ValueError("num_layers must be greater than zero")
        if proj_size < 0:
            raise ValueError("proj_size should be a positive integer or zero to disable "
                             "projections")
        if proj_size >= hidden_size:
            raise ValueError("proj_size has to be smaller than hidden_size")
        gate = {"LSTM": 4, "GRU": 3, "RNN_TANH": 1, "RNN_RELU": 1}.get(mode)
        if gate is None:
            raise ValueError("Unrecognized RNN mode: " + mode)
        gate_size = gate * hidden_size
        self._flat_weights_names = []
        self._all_weights = []
        real_hidden = proj_size if proj_size > 0 else hidden_size
        for layer in range(num_layers):
            for direction in range(num_directions):
                lin = input_size if layer == 0 else real_hidden * num_directions
                suffix = "_reverse" if direction == 1 else ""
                params = [("weight_ih_l{}{}", (gate_size, lin)),
                          ("weight_hh_l{}{}", (gate_size, real_hidden))]
                if bias:
                    params += [("bias_ih_l{}{}", (gate_size,)), ("bias_hh_l{}{}", (gate_size,))]
                if proj_size > 0:
                    params += [("weight_hr_l{}{}", (proj_size, hidden_size))]
                names = []
                for fmt, shape in params:
                    name = fmt.format(layer, suffix)
                    setattr(self, name, Parameter(empty(shape, **fk)))
                    names.append(name)
                self._flat_weights_names.extend(names)
                self._all_weights.append(names)
        self.reset_parameters()

    @property
    def _flat_weights(self):
        return [getattr(self, n, None) for n in self._flat_weights_names]

    @property
    def all_weights(self):
        """Parameters grouped per layer-direction."""
        return [[getattr(self, w) for w in ws] for ws in self._all_weights]

    def flatten_parameters(self):
        """No-op (there is no cuDNN weight buffer in jtorch)."""

    def reset_parameters(self):
        """U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)) for every weight and bias."""
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for w in self.parameters():
            init.uniform_(w, -stdv, stdv)

    def extra_repr(self):
        s = "{input_size}, {hidden_size}"
        if self.proj_size != 0:
            s += ", proj_size={proj_size}"
        if self.num_layers != 1:
            s += ", num_layers={num_layers}"
        if self.bias is not True:
            s += ", bias={bias}"
        if self.batch_first is not False:
            s += ", batch_first={batch_first}"
        if self.dropout != 0:
            s += ", dropout={dropout}"
        if self.bidirectional is not False:
            s += ", bidirectional={bidirectional}"
        return s.format(**self.__dict__)

    def _check_input(self, input, batch_sizes):
        name = type(self).__name__
        if batch_sizes is None and input.dim() not in (2, 3):
            raise ValueError(f"{name}: Expected input to be 2D or 3D, got {input.dim()}D "
                             f"instead")
        if self.input_size != input.shape[-1]:
            raise RuntimeError(f"input.size(-1) must be equal to input_size. Expected "
                               f"{self.input_size}, got {input.shape[-1]}")

    def _check_hidden(self, hx, expected, msg="Expected hidden size {}, got {}"):
        if tuple(hx.shape) != tuple(expected):
            raise RuntimeError(msg.format(list(expected), list(hx.shape)))

    def _run(self, input, hx, is_lstm):
        packed = isinstance(input, PackedSequence)
        lengths = None
        if packed:
            input, lengths = pad_packed_sequence(input, batch_first=False)
            batch_first, batched = False, True
        else:
            batch_first, batched = self.batch_first, input.dim() == 3
        self._check_input(input, None)
        D = 2 if self.bidirectional else 1
        real_hidden = self.proj_size if self.proj_size > 0 else self.hidden_size
        if batched:
            N = input.shape[0] if batch_first else input.shape[1]
            hshape = (self.num_layers * D, N, real_hidden)
            cshape = (self.num_layers * D, N, self.hidden_size)
        else:
            hshape = (self.num_layers * D, real_hidden)
            cshape = (self.num_layers * D, self.hidden_size)
        if hx is None:
            h0 = zeros(hshape, dtype=input.dtype, device=input.device)
            c0 = zeros(cshape, dtype=input.dtype, device=input.device) if is_lstm else None
        else:
            h0, c0 = (hx if is_lstm else (hx, None))
            want = 3 if batched else 2
            for t in ((h0, c0) if is_lstm else (h0,)):
                if t.dim() != want:
                    raise RuntimeError(
                        f"For {'batched 3-D' if batched else 'unbatched 2-D'} input, "
                        f"{'hx and cx' if is_lstm else 'hx'} should also be "
                        f"{want}-D but got {t.dim()}-D tensor" if is_lstm else
                        f"For {'batched 3-D' if batched else 'unbatched 2-D'} input, hx should "
                        f"also be {want}-D but got {t.dim()}-D tensor")
            if is_lstm:
                self._check_hidden(h0, hshape, "Expected hidden[0] size {}, got {}")
                self._check_hidden(c0, cshape, "Expected hidden[1] size {}, got {}")
            else:
                self._check_hidden(h0, hshape)
        p = self.dropout if (self.training and self.num_layers > 1) else 0.0
        drops = ()
        if p > 0:
            from ..._ops.random import rand
            shp = tuple(input.shape[:-1]) + (real_hidden * D,)
            drops = tuple(rand(*shp, dtype=input.dtype, device=input.device)
                          for _ in range(self.num_layers - 1))
        ws = tuple(self._flat_weights)
        statics = (self.mode, self.num_layers, self.bidirectional, self.bias,
                   self.proj_size > 0, batch_first, batched, p, len(ws))
        o = _LSTM_OP if is_lstm else _RNN_OP
        res = dispatch(o, (input, h0, c0, lengths) + ws + drops, statics)
        out, hidden = res[0], (res[1], res[2]) if is_lstm else res[1]
        if packed:
            # NOTE: the padded output is in the original batch order; re-pack it the same way.
            out = pack_padded_sequence(out, lengths, enforce_sorted=False)
        return out, hidden


class RNN(RNNBase):
    """Elman RNN with tanh or ReLU nonlinearity."""

    def __init__(self, *args, **kwargs):
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        if len(args) > 3:
            self.nonlinearity = args[3]
            args = args[:3] + args[4:]
        else:
            self.nonlinearity = kwargs.pop("nonlinearity", "tanh")
        if self.nonlinearity == "tanh":
            mode = "RNN_TANH"
        elif self.nonlinearity == "relu":
            mode = "RNN_RELU"
        else:
            raise ValueError(f"Unknown nonlinearity '{self.nonlinearity}'. Select from 'tanh' "
                             f"or 'relu'.")
        super().__init__(mode, *args, **kwargs)

    def forward(self, input, hx=None):
        """Run the recurrence; returns (output, h_n)."""
        return self._run(input, hx, False)


class LSTM(RNNBase):
    """Long short-term memory (optionally with projections, proj_size)."""

    def __init__(self, *args, **kwargs):
        super().__init__("LSTM", *args, **kwargs)

    def forward(self, input, hx=None):
        """Run the recurrence; returns (output, (h_n, c_n))."""
        return self._run(input, hx, True)


class GRU(RNNBase):
    """Gated recurrent unit."""

    def __init__(self, *args, **kwargs):
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        super().__init__("GRU", *args, **kwargs)

    def forward(self, input, hx=None):
        """Run the recurrence; returns (output, h_n)."""
        return self._run(input, hx, False)


# ---- cells --------------------------------------------------------------------------------

def _cell_fn(mode, batched, x, h, c, w_ih, w_hh, b_ih, b_hh):
    if not batched:
        x, h = x[None], h[None]
        c = c[None] if c is not None else None
    xp = jnp.matmul(x, w_ih.T)
    if b_ih is not None:
        xp = xp + b_ih
    h2, c2 = _cell(mode, xp, h, c, w_hh, b_hh, None)
    if not batched:
        h2 = h2[0]
        c2 = c2[0] if c2 is not None else None
    return h2 if mode != "LSTM" else (h2, c2)


_CELL_OPS = {"RNN_TANH": reg("rnn_tanh_cell", _cell_fn, "RnnTanhCellBackward0"),
             "RNN_RELU": reg("rnn_relu_cell", _cell_fn, "RnnReluCellBackward0"),
             "GRU": reg("gru_cell", _cell_fn, "GruCellBackward0"),
             "LSTM": reg("lstm_cell", _cell_fn, "LstmCellBackward0", nout=2)}


class RNNCellBase(Module):
    """Base class of the cells: weight_ih, weight_hh, bias_ih, bias_hh."""

    __constants__ = ["input_size", "hidden_size", "bias"]

    def __init__(self, input_size, hidden_size, bias, num_chunks, device=None, dtype=None):
        fk = {"device": device, "dtype": dtype}
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        self.weight_ih = Parameter(empty((num_chunks * hidden_size, input_size), **fk))
        self.weight_hh = Parameter(empty((num_chunks * hidden_size, hidden_size), **fk))
        if bias:
            self.bias_ih = Parameter(empty(num_chunks * hidden_size, **fk))
            self.bias_hh = Parameter(empty(num_chunks * hidden_size, **fk))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def extra_repr(self):
        s = "{input_size}, {hidden_size}"
        if "bias" in self.__dict__ and self.bias is not True:
            s += ", bias={bias}"
        if "nonlinearity" in self.__dict__ and self.nonlinearity != "tanh":
            s += ", nonlinearity={nonlinearity}"
        return s.format(**self.__dict__)

    def reset_parameters(self):
        """U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)) for every weight and bias."""
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for w in self.parameters():
            init.uniform_(w, -stdv, stdv)

    def _step(self, mode, input, hx, is_lstm):
        name = type(self).__name__
        if input.dim() not in (1, 2):
            raise ValueError(f"{name}: Expected input to be 1D or 2D, got {input.dim()}D "
                             f"instead")
        if hx is not None:
            for t in (hx if is_lstm else (hx,)):
                if t.dim() not in (1, 2):
                    raise ValueError(f"{name}: Expected hidden to be 1D or 2D, got {t.dim()}D "
                                     f"instead")
        batched = input.dim() == 2
        if input.shape[-1] != self.input_size:
            raise RuntimeError(f"input has inconsistent input_size: got {input.shape[-1]} "
                               f"expected {self.input_size}")
        shape = (input.shape[0], self.hidden_size) if batched else (self.hidden_size,)
        if hx is None:
            h = zeros(shape, dtype=input.dtype, device=input.device)
            c = zeros(shape, dtype=input.dtype, device=input.device) if is_lstm else None
        else:
            h, c = hx if is_lstm else (hx, None)
        return dispatch(_CELL_OPS[mode], (input, h, c, self.weight_ih, self.weight_hh,
                                          self.bias_ih, self.bias_hh), (mode, batched))


class RNNCell(RNNCellBase):
    """One Elman RNN step."""

    __constants__ = ["input_size", "hidden_size", "bias", "nonlinearity"]

    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh", device=None,
                 dtype=None):
        super().__init__(input_size, hidden_size, bias, num_chunks=1, device=device,
                         dtype=dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input, hx=None):
        """h' = act(x W_ih^T + b_ih + h W_hh^T + b_hh)."""
        if self.nonlinearity not in ("tanh", "relu"):
            raise RuntimeError(f"Unknown nonlinearity: {self.nonlinearity}")
        mode = "RNN_TANH" if self.nonlinearity == "tanh" else "RNN_RELU"
        return self._step(mode, input, hx, False)


class LSTMCell(RNNCellBase):
    """One LSTM step; returns (h', c')."""

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, num_chunks=4, device=device,
                         dtype=dtype)

    def forward(self, input, hx=None):
        """(h', c') from input and (h, c)."""
        return self._step("LSTM", input, hx, True)


class GRUCell(RNNCellBase):
    """One GRU step."""

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, num_chunks=3, device=device,
                         dtype=dtype)

    def forward(self, input, hx=None):
        """h' from input and h."""
        return self._step("GRU", input, hx, False)
