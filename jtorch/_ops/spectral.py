"""torch.stft / torch.istft: short-time Fourier transform and its inverse (overlap-add).

The argument checks and their messages follow ATen's SpectralOps.cpp; the math (framing,
windowing, FFT; inverse FFT, windowed overlap-add, envelope division) is one registered pure JAX
op each, so autograd is JAX's VJP of the same computation.
"""
import builtins
import warnings

import jax.numpy as jnp

from .. import _dtype as D
from ._common import torch_name
from .registry import dispatch, promote
from .registry import register as _reg

TORCH_NAMES = ["stft", "istft"]
METHODS = {}

_WARNED = set()


def _warn_once(key, msg):
    # NOTE: torch's TORCH_WARN_ONCE: once per process.
    if key not in _WARNED:
        _WARNED.add(key)
        warnings.warn(msg, UserWarning, stacklevel=3)


def _opt(v):
    return "None" if v is None else str(int(builtins.bool(v)))


def _win_repr(window):
    if window is None:
        return "None"
    return f"torch.{torch_name(window.dtype)}Tensor{{{list(window.shape)}}}"


def _frame_idx(n_frames, n_fft, hop):
    return hop * jnp.arange(n_frames)[:, None] + jnp.arange(n_fft)[None, :]


def _centered_window(window, n_fft, win_length, real_np):
    """The window zero-padded to n_fft on both sides (None: ones over win_length, or None)."""
    if window is None:
        if win_length == n_fft:
            return None
        window = jnp.ones((win_length,), real_np)
    left = (n_fft - win_length) // 2
    return jnp.pad(window, (left, n_fft - win_length - left))


# ---- stft -------------------------------------------------------------------------------------

def _stft_fn(n_fft, hop, win_length, n_frames, align_pad, onesided, normalized, real_out,
             squeeze, x, window):
    if align_pad:
        x = jnp.pad(x, ((0, 0), (align_pad, align_pad)))
    frames = x[:, _frame_idx(n_frames, n_fft, hop)]  # (batch, n_frames, n_fft)
    real_np = jnp.real(x).dtype
    w = _centered_window(window, n_fft, win_length, real_np)
    if w is not None:
        (frames, w), _ = promote(frames, w)
        frames = frames * w
    if frames.dtype in (jnp.float16, jnp.bfloat16):
        raise RuntimeError(f"MKL FFT doesn't support tensors of type: "
                           f"{torch_name(D.from_np(frames.dtype))}")
    norm = "ortho" if normalized else "backward"
    if jnp.iscomplexobj(frames):
        if onesided:
            raise RuntimeError("Cannot have onesided output if window or input is complex")
        out = jnp.fft.fft(frames, axis=-1, norm=norm)
    elif onesided is False:
        out = jnp.fft.fft(frames.astype(jnp.result_type(frames.dtype, jnp.complex64)),
                          axis=-1, norm=norm)
    else:
        out = jnp.fft.rfft(frames, axis=-1, norm=norm)
    out = jnp.swapaxes(out, 1, 2)  # (batch, freq, n_frames)
    if squeeze:
        out = out[0]
    if real_out:
        out = jnp.stack([jnp.real(out), jnp.imag(out)], -1)
    return out


_STFT = _reg("stft", _stft_fn, grad_name="StftBackward0")


def stft(input, n_fft, hop_length=None, win_length=None, window=None, center=True,
         pad_mode="reflect", normalized=False, onesided=None, return_complex=None,
         align_to_window=None):
    """Short-time Fourier transform of a 1-D signal or a batch of them (torch.stft)."""
    if center and align_to_window is not None:
        raise RuntimeError("stft align_to_window should only be set when center = false")
    if center:
        # NOTE: as torch/functional.py: pad a 3-d view of the signal, then view back.
        from ..nn import functional as F
        sd = input.ndim
        ext = [1] * (3 - sd) + list(input.shape)
        pad = int(n_fft // 2)
        input = F.pad(input.view(ext), [pad, pad], pad_mode)
        input = input.view(list(input.shape[-sd:]) if sd else list(input.shape))
    hop = n_fft >> 2 if hop_length is None else int(hop_length)
    win = n_fft if win_length is None else int(win_length)

    def repr_():
        return (f"stft(torch.{torch_name(input.dtype)}Tensor{list(input.shape)}, n_fft={n_fft}, "
                f"hop_length={hop}, win_length={win}, window={_win_repr(window)}, "
                f"normalized={int(builtins.bool(normalized))}, onesided={_opt(onesided)}, "
                f"return_complex={_opt(return_complex)}, "
                f"align_to_window={_opt(align_to_window)}) ")

    if window is None:
        _warn_once("stft_window",
                   "A window was not provided. A rectangular window will be applied,which is "
                   "known to cause spectral leakage. Other windows such as torch.hann_window or "
                   "torch.hamming_window are recommended to reduce spectral leakage.To suppress "
                   "this warning and use a rectangular window, explicitly set "
                   "`window=torch.ones(n_fft, device=<device>)`.")
    rc = return_complex
    if rc is None:
        rc = input.is_complex() or (window is not None and window.is_complex())
    if not rc:
        if return_complex is None:
            raise RuntimeError("stft requires the return_complex parameter be given for real "
                               "inputs, and will further require that return_complex=True in "
                               "a future PyTorch release.")
        _warn_once("stft_real",
                   "stft with return_complex=False is deprecated. In a future pytorch release, "
                   "stft will return complex tensors for all inputs, and return_complex=False "
                   "will raise an error.\nNote: you can still call torch.view_as_real on the "
                   "complex output to recover the old return format.")
    if input.dtype._cat < 2:
        raise RuntimeError(repr_() + ": expected a tensor of floating point or complex values")
    if input.ndim not in (1, 2):
        raise RuntimeError(repr_() + ": expected a 1D or 2D tensor")
    length = input.shape[-1]
    if n_fft <= 0 or n_fft > length:
        raise RuntimeError(repr_() + f": expected 0 < n_fft < {length}, but got n_fft={n_fft}")
    if hop <= 0:
        raise RuntimeError(repr_() + f": expected hop_length > 0, but got hop_length={hop}")
    if win <= 0 or win > n_fft:
        raise RuntimeError(repr_() + f": expected 0 < win_length <= n_fft, but got "
                                     f"win_length={win}")
    if window is not None and (window.ndim != 1 or window.shape[0] != win):
        raise RuntimeError(repr_() + f": expected a 1D window tensor of size equal to "
                                     f"win_length={win}, but got window with size "
                                     f"{list(window.shape)}")
    align_pad = 0
    if align_to_window:
        # NOTE: ATen aligns the window's start with t = 0: frames count from win_length and the
        # signal is padded by (n_fft - win_length) // 2 on both sides.
        n_frames = 1 + (length - win) // hop
        align_pad = (n_fft - win) // 2
        if (n_frames - 1) * hop + n_fft > length + 2 * align_pad:
            raise RuntimeError(f"stft: with align_to_window=True the last frame "
                               f"({n_frames - 1}) needs {(n_frames - 1) * hop + n_fft} samples, "
                               f"but the padded signal has {length + 2 * align_pad}")
    else:
        n_frames = 1 + (length - n_fft) // hop
    x = input.unsqueeze(0) if input.ndim == 1 else input
    statics = (int(n_fft), hop, win, n_frames, align_pad,
               None if onesided is None else builtins.bool(onesided),
               builtins.bool(normalized), not rc, input.ndim == 1)
    return dispatch(_STFT, (x, window), statics)


# ---- istft ------------------------------------------------------------------------------------

def _istft_fn(n_fft, hop, win_length, onesided, normalized, return_complex, start, end,
              squeeze, x, window):
    # x: (batch, freq, n_frames) complex
    n_frames = x.shape[-1]
    real_np = jnp.real(x).dtype
    w = window if window is not None else jnp.ones((win_length,), real_np)
    left = (n_fft - win_length) // 2
    w = jnp.pad(w, (left, n_fft - win_length - left))
    f = jnp.swapaxes(x, 1, 2)  # (batch, n_frames, freq)
    norm = "ortho" if normalized else "backward"
    if return_complex:
        f = jnp.fft.ifft(f, axis=-1, norm=norm)
    else:
        if not onesided:
            f = f[..., :n_fft // 2 + 1]
        f = jnp.fft.irfft(f, n=n_fft, axis=-1, norm=norm)
    (f, w), _ = promote(f, w)
    y_tmp = f * w  # (batch, n_frames, n_fft)
    total = n_fft + hop * (n_frames - 1)
    idx = _frame_idx(n_frames, n_fft, hop).reshape(-1)
    y = jnp.zeros((y_tmp.shape[0], total), y_tmp.dtype).at[:, idx].add(
        y_tmp.reshape(y_tmp.shape[0], -1))
    w2 = jnp.broadcast_to(w * w, (n_frames, n_fft)).reshape(-1)
    env = jnp.zeros((total,), w2.dtype).at[idx].add(w2)
    stop = builtins.min(end, total)
    y, env = y[:, start:stop], env[start:stop]
    y = y / env
    if squeeze:
        y = y[0]
    if end > total:
        y = jnp.pad(y, [(0, 0)] * (y.ndim - 1) + [(0, end - total)])
    bad = jnp.min(jnp.abs(env)) < 1e-11 if env.size else jnp.asarray(False)
    return y, bad


_ISTFT = _reg("istft", _istft_fn, nout=2, nondiff_outputs=(1,), grad_name="IstftBackward0")


def istft(input, n_fft, hop_length=None, win_length=None, window=None, center=True,
          normalized=False, onesided=None, length=None, return_complex=False):
    """Inverse short-time Fourier transform by windowed overlap-add (torch.istft)."""
    hop = n_fft >> 2 if hop_length is None else int(hop_length)
    win = n_fft if win_length is None else int(win_length)
    if not input.is_complex():
        raise RuntimeError("istft requires a complex-valued input tensor matching the output "
                           "from stft with return_complex=True.")

    def repr_():
        dev = input.device.type.upper()
        return (f"istft({dev}{torch_name(input.dtype)}Type{list(input.shape)}, n_fft={n_fft}, "
                f"hop_length={hop}, win_length={win}, window={_win_repr(window)}, "
                f"center={int(builtins.bool(center))}, "
                f"normalized={int(builtins.bool(normalized))}, onesided={_opt(onesided)}, "
                f"length={'None' if length is None else int(length)}, "
                f"return_complex={int(builtins.bool(return_complex))}) ")

    real_dim = input.ndim + 1  # NOTE: ATen checks the view_as_real shape
    if input.numel() == 0:
        raise RuntimeError(repr_() + ": input tensor cannot be empty.")
    if real_dim not in (3, 4):
        raise RuntimeError(repr_() + f": expected a tensor with 3 or 4 dimensions, but got "
                                     f"{real_dim}")
    fft_size = input.shape[-2]
    ones = (fft_size != n_fft) if onesided is None else builtins.bool(onesided)
    if ones:
        if n_fft // 2 + 1 != fft_size:
            raise RuntimeError(repr_() + ": expected the frequency dimension (3rd to the last) "
                               "of the input tensor to match n_fft / 2 + 1 when onesided=True, "
                               f"but got {fft_size}")
    elif n_fft != fft_size:
        raise RuntimeError(repr_() + ": expected the frequency dimension (3rd to the last) of "
                           f"the input tensor to match n_fft when onesided=False, but got "
                           f"{fft_size}")
    if not 0 < hop <= win:
        raise RuntimeError(repr_() + ": expected 0 < hop_length <= win_length")
    if not 0 < win <= n_fft:
        raise RuntimeError(repr_() + ": expected 0 < win_length <= n_fft")
    if window is not None and (window.ndim != 1 or window.shape[0] != win):
        raise RuntimeError(repr_() + ": Invalid window shape. window has to be 1D and length "
                                     "of `win_length`")
    if return_complex:
        if ones:
            raise RuntimeError("Cannot have onesided output if window or input is complex")
    elif window is not None and window.is_complex():
        raise RuntimeError("Complex windows are incompatible with return_complex=False")
    n_frames = input.shape[-1]
    total = n_fft + hop * (n_frames - 1)
    start = n_fft // 2 if center else 0
    if length is not None:
        end = start + int(length)
    elif center:
        # NOTE: ATen slices to -(n_fft // 2); for n_fft == 1 that is 0 (an empty signal).
        end = total - n_fft // 2 if n_fft // 2 else 0
    else:
        end = total
    if end > total:
        _warn_once("istft_len", "The length of signal is shorter than the length parameter. "
                                "Result is being padded with zeros in the tail. Please check "
                                "your center and hop_length settings.")
    x = input.unsqueeze(0) if input.ndim == 2 else input
    statics = (int(n_fft), hop, win, ones, builtins.bool(normalized),
               builtins.bool(return_complex), start, end, input.ndim == 2)
    y, bad = dispatch(_ISTFT, (x, window), statics)
    if not _is_traced(bad) and builtins.bool(bad.item()):
        raise RuntimeError(repr_() + "window overlap add min: 1\n[ CPUBoolType{} ]")
    return y


def _is_traced(t):
    import jax
    return isinstance(t._a, jax.core.Tracer)


METHODS.update(stft=stft, istft=istft)
