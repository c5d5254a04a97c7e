"""Pure update rules (jax.numpy) with torch's exact single-tensor math, and the compiled
per-group update that applies one rule to all of a param group's tensors in one XLA call.

A rule is `rule(static, hp, p, g, st) -> (p, st)`: `static` a hashable tuple of flags (baked into
the compiled program), `hp` a float64 vector of hyper-parameters (a traced argument, so changing
lr from a scheduler never recompiles), `p`/`g` one parameter and its gradient, `st` the tuple of
its state arrays (None for a state torch creates lazily).

NOTE: scalar hyper-parameter arithmetic runs in float64 and is then converted as torch converts a
Python float meeting a tensor. Every rule goes through _Ops, which reproduces torch's CPU
single-tensor kernels op by op: the same operation order (lerp_, addcmul_, addcdiv_,
add_(alpha=)), torch's fused multiply-adds, and for bfloat16/float16 parameters float32 opmath
with one rounding per torch op (float16 subnormals kept). optax's rules are not used: they differ
from torch (optax's EMAs are (1-d)*g + d*m, not torch's fused lerp; optax.trace does not fuse
SGD's momentum add; optax.adam adds eps after bias-correcting the second moment; optax.adagrad
puts eps inside the square root; no optax rule has torch's SGD dampening, NAdam mu_product or
RAdam rectification).

NOTE: float32 equality also needs XLA kept from its own rewrites: _fma emulates torch's fused
multiply-adds through float64, _mul keeps a product from being contracted into a following add,
and _div keeps A / broadcast(s) and A / sqrt(B) divisions (XLA turns them into multiplications
by 1/s and rsqrt). Not emulated: float64 parameters' fused multiply-adds (no wider type), and
the ~2^-29-rare float32 tie where _fma's float64 double rounding differs (see _fma).

NOTE: the one op left unmatched is float32 sqrt: torch's CPU float32 sqrt kernel (measured) is not
correctly rounded (about 1 in 6 results is 1 ulp off XLA's correctly rounded sqrt), so the
float32 trajectories of the optimizers that take a square root agree to a few ulps, not bits.
(Rounded to bfloat16/float16 the 1-ulp float32 difference practically never shows.)
"""
import functools

import jax
import jax.numpy as jnp

__all__ = ["group_update", "sgd", "adam", "adamax", "adagrad", "adadelta", "rmsprop", "nadam",
           "radam", "rprop", "asgd"]

_F64 = jnp.float64


def _cast(p):
    """Scalar converter to p's dtype (torch converts Python-float scalars to the tensor dtype)."""
    dt = p.dtype
    return lambda x: jnp.asarray(x).astype(dt)


def _to32(s):
    """A float64 value rounded to float32 (one correct rounding).
    NOTE: the select keeps XLA from eliding a float64 -> float32 -> float64 convert pair
    (allow-excess-precision) when the result feeds another float64 computation; it is an
    identity (NaN stays NaN). reduce_precision would do the same but costs several times more
    on CPU."""
    r = s.astype(jnp.float32)
    return jnp.where(jnp.isnan(r), jnp.float32(jnp.nan), r)


@functools.cache
def _emulate_f32():
    """Whether float32 rounding is emulated through float64 (_fma, _mul): on the CPU backend only.
    NOTE: torch's reference kernels here are its CPU ones; on GPUs float64 is slow (and TPUs
    emulate it), and XLA's GPU backend contracts multiply-adds into FMAs as nvcc does for
    torch's CUDA kernels, so there the plain expressions are used."""
    return jax.default_backend() == "cpu"


def _fma(x, y, z):
    """x * y + z rounded once, as torch's vectorized CPU kernels (fmadd) compute it.
    NOTE: XLA has no fused multiply-add op (its CPU backend contracts a multiply into an add
    only when both land in one fused loop). For float32 operands the float64 product is exact
    and the float64 sum is then rounded to float32. That double rounding differs from one fused
    rounding only when the float64 sum lands exactly on a float32 midpoint while the exact sum
    does not (about 2^-29 of random operands); the exact round-to-odd fix (integer bit tricks)
    made optimizer steps several times slower on CPU, so it is left out. float64 operands use
    the plain expression."""
    dt = jnp.result_type(x, y, z)
    if dt != jnp.float32 or not _emulate_f32():
        return x * y + z
    return _to32(x.astype(_F64) * y.astype(_F64) + z.astype(_F64))


def _mul(x, y):
    """x * y rounded on its own, as torch's mul kernel (its result is a separate tensor).
    NOTE: XLA's CPU backend lets LLVM contract a float32 multiply feeding an add into a fused
    multiply-add, which torch's separate mul_ and add/addcdiv_ kernels do not do; a float64
    product (exact for float32 operands) rounded to float32 cannot be contracted."""
    dt = jnp.result_type(x, y)
    if dt != jnp.float32 or not _emulate_f32():
        return x * y
    return _to32(x.astype(_F64) * y.astype(_F64))


def _div(a, b):
    """a / b correctly rounded, as torch's div kernel.
    NOTE: XLA's simplifier rewrites A / broadcast(s) into A * broadcast(1 / s) and A / sqrt(B)
    into A * rsqrt(B), neither correctly rounded; a divisor that is a select (not a broadcast
    or a sqrt) keeps the division. The NaN branch changes nothing: NaN / anything is NaN."""
    b = jnp.asarray(b)
    return a / jnp.where(jnp.isnan(a), jnp.asarray(jnp.nan, b.dtype), b)


def _lerp(a, b, w):
    """torch's CPU lerp with a scalar weight: ATen's two fused formulas (for stability)."""
    # NOTE: one fused multiply-add with the scalar-selected operands: -(d * (1 - w)) + b is
    # d * (w - 1) + b exactly (negation is exact, and 1 - w and w - 1 round alike).
    small = jnp.abs(w) < 0.5
    return _fma(b - a, jnp.where(small, w, w - 1), jnp.where(small, a, b))


def _opmath(dt):
    """torch's CPU compute dtype for dt: float32 for bfloat16/float16, else dt itself."""
    return jnp.promote_types(dt, jnp.float32)


def _rounder(dt):
    """x (in _opmath(dt)) -> x rounded to dt's precision, kept in the compute dtype.
    NOTE: a low-precision torch op computes in float32 and rounds its result; inside one XLA
    program astype round trips may be elided (XLA's allow-excess-precision), reduce_precision
    is never. reduce_precision flushes dt's subnormals to zero, so float16's subnormal range
    (a normal float32 range) is rounded on its own grid: multiples of the smallest subnormal,
    ties to even, as torch's conversion does. (bfloat16's subnormals lie in float32's, which
    XLA's CPU flushes anyway.)"""
    op = _opmath(dt)
    if op == dt:
        return lambda x: x
    fi = jnp.finfo(dt)

    def rd(x):
        r = jax.lax.reduce_precision(x, exponent_bits=fi.nexp, mantissa_bits=fi.nmant)
        if float(fi.smallest_subnormal) < float(jnp.finfo(op).tiny):
            return r  # NOTE: dt's subnormals are not normal in op: nothing to keep
        k = jnp.asarray(fi.smallest_subnormal, op)
        sub = jnp.round(x / k) * k
        return jnp.where(jnp.abs(x) < jnp.asarray(fi.tiny, op), sub, r)
    return rd


def _lerp_op(a, b, w):
    """a.lerp_(b, w) with a Python-float weight: bfloat16/float16 compute in float32 (torch's
    opmath, weight included) and round once."""
    dt = a.dtype
    op = _opmath(dt)
    r = _lerp(a.astype(op), b.astype(op), jnp.asarray(w).astype(op))
    return _rounder(dt)(r).astype(dt)


class _Ops:
    """torch's CPU element-wise tensor ops for one parameter dtype, on arrays already in the
    compute dtype (`up`): each op computes in torch's opmath and rounds its result once.
    NOTE: measured on torch's CPU kernels: add(alpha=), addcmul_ and lerp_ are fused
    multiply-adds (_fma), addcdiv_ is not, and a mul_ result is rounded on its own (_mul); for bfloat16/float16 the Python-scalar operand of
    mul_, lerp_, addcmul_/addcdiv_'s value and division is converted to float32, while add's
    alpha and add_(scalar) first round the scalar to the tensor's dtype. For float32/float64
    the compute dtype is the dtype itself and the rounding is the identity."""

    def __init__(self, dt):
        self.dt = dt
        self.op = _opmath(dt)
        self.rd = _rounder(dt)
        self.lowp = self.op != dt

    def up(self, x):
        """An array (or None) in the compute dtype."""
        return None if x is None else x.astype(self.op)

    def down(self, x):
        """An array (or None) back in the parameter dtype."""
        return None if x is None else x.astype(self.dt)

    def f(self, x):
        """A Python scalar as an opmath operand (mul_, lerp_, addcmul_, addcdiv_, div)."""
        return jnp.asarray(x).astype(self.op)

    def r(self, x):
        """A Python scalar first rounded to the tensor dtype (add's alpha, add_(scalar)).
        NOTE: via float32, as c10's double -> bfloat16/half conversion."""
        return self.rd(self.f(x))

    def grad(self, g, p, maximize, has_wd, wd):
        """grad = -grad if maximize; grad = grad.add(param, alpha=weight_decay) if wd."""
        if maximize:
            g = -g
        return self.add(g, p, wd) if has_wd else g

    def add(self, a, b, alpha=1.0):
        """a.add(b, alpha=alpha)."""
        if self.lowp:
            # NOTE: alpha and b are both bfloat16/float16 values: their float32 product is
            # exact, so the plain sum is the fused result (and cheaper).
            return self.rd(a + self.r(alpha) * b)
        return _fma(self.r(alpha), b, a)

    def adds(self, a, x):
        """a.add_(x) with a Python scalar x."""
        return self.rd(a + self.r(x))

    def sub(self, a, b):
        """a - b for tensors."""
        return self.rd(a - b)

    def mul(self, a, x):
        """a.mul_(x) with a Python scalar (or float32 0-d tensor) x."""
        return self.rd(_mul(a, self.f(x)))

    def tmul(self, a, b):
        """a * b for tensors."""
        return self.rd(_mul(a, b))

    def divs(self, a, x):
        """a / x with a Python scalar x."""
        return self.rd(_div(a, self.f(x)))

    def tdiv(self, a, b):
        """a / b for tensors."""
        return self.rd(_div(a, b))

    def rdiv(self, x, a):
        """x / a for a Python scalar x: torch's Tensor.__rtruediv__ is a.reciprocal() * x."""
        return self.mul(self.rd(_div(jnp.ones_like(a), a)), x)

    def lerp(self, a, b, w):
        """a.lerp_(b, w) with a Python-scalar weight."""
        return self.rd(_lerp(a, b, self.f(w)))

    def addcmul(self, a, t1, t2, value):
        """a.addcmul_(t1, t2, value=value): fma(value * t1, t2, a)."""
        return self.rd(_fma(self.f(value) * t1, t2, a))

    def addcdiv(self, a, t1, t2, value):
        """a.addcdiv_(t1, t2, value=value): a + value * t1 / t2, left to right."""
        return self.rd(a + _div(self.f(value) * t1, t2))

    def sqrt(self, a):
        """a.sqrt()."""
        return self.rd(jnp.sqrt(a))

    def ema_sq(self, v, g, beta):
        """v.mul_(beta).addcmul_(g, g, value=1 - beta)."""
        return self.addcmul(self.mul(v, beta), g, g, 1 - beta)


def sgd(static, hp, p, g, st):
    """torch.optim.SGD single-tensor rule."""
    has_mom, nesterov, maximize, has_wd, damp_zero = static
    lr, mom, damp, wd = hp[0], hp[1], hp[2], hp[3]
    k = _Ops(p.dtype)
    p, g, st = k.up(p), k.up(g), tuple(map(k.up, st))
    g = k.grad(g, p, maximize, has_wd, wd)
    if has_mom:
        # NOTE: not optax.trace: torch's buf.mul_(momentum).add_(grad, alpha=1 - dampening)
        # rounds the product before the (fused) add, and nesterov's grad.add(buf, alpha=m) fuses.
        (buf,) = st
        buf = g if buf is None else k.add(k.mul(buf, mom), g, 1 - damp)
        g = k.add(g, buf, mom) if nesterov else buf
        st = (buf,)
    return k.down(k.add(p, g, -lr)), tuple(map(k.down, st))


def adam(static, hp, p, g, st):
    """torch.optim.Adam / AdamW single-tensor rule (capturable=False path)."""
    amsgrad, maximize, has_wd, decoupled = static
    lr, b1, b2, eps, wd = hp[0], hp[1], hp[2], hp[3], hp[4]
    k = _Ops(p.dtype)
    step, m, v, vmax = st
    p, g, m, v, vmax = map(k.up, (p, g, m, v, vmax))
    if maximize:
        g = -g
    step = step + 1
    s = step.astype(_F64)
    if has_wd:
        if decoupled:
            p = k.mul(p, 1 - lr * wd)
        else:
            g = k.add(g, p, wd)
    m = k.lerp(m, g, 1 - b1)
    v = k.ema_sq(v, g, b2)
    bc1 = 1 - b1 ** s
    bc2_sqrt = (1 - b2 ** s) ** 0.5
    step_size = lr / bc1
    if amsgrad:
        vmax = jnp.maximum(vmax, v)
        denom = k.adds(k.divs(k.sqrt(vmax), bc2_sqrt), eps)
    else:
        denom = k.adds(k.divs(k.sqrt(v), bc2_sqrt), eps)
    p = k.addcdiv(p, m, denom, -step_size)
    return k.down(p), (step,) + tuple(map(k.down, (m, v, vmax)))


def adamax(static, hp, p, g, st):
    """torch.optim.Adamax single-tensor rule."""
    maximize, has_wd = static
    lr, b1, b2, eps, wd = hp[0], hp[1], hp[2], hp[3], hp[4]
    k = _Ops(p.dtype)
    step, m, u = st
    p, g, m, u = map(k.up, (p, g, m, u))
    g = k.grad(g, p, maximize, has_wd, wd)
    step = step + 1
    m = k.lerp(m, g, 1 - b1)
    u = jnp.maximum(k.mul(u, b2), k.adds(jnp.abs(g), eps))
    clr = lr / (1 - b1 ** step.astype(_F64))
    return k.down(k.addcdiv(p, m, u, -clr)), (step, k.down(m), k.down(u))


def adagrad(static, hp, p, g, st):
    """torch.optim.Adagrad single-tensor rule (dense gradients)."""
    maximize, has_wd = static
    lr, lr_decay, wd, eps = hp[0], hp[1], hp[2], hp[3]
    k = _Ops(p.dtype)
    step, acc = st
    p, g, acc = map(k.up, (p, g, acc))
    step = step + 1
    g = k.grad(g, p, maximize, has_wd, wd)
    clr = lr / (1 + (step.astype(_F64) - 1) * lr_decay)
    acc = k.addcmul(acc, g, g, 1)
    std = k.adds(k.sqrt(acc), eps)
    return k.down(k.addcdiv(p, g, std, -clr)), (step, k.down(acc))


def adadelta(static, hp, p, g, st):
    """torch.optim.Adadelta single-tensor rule."""
    maximize, has_wd = static
    lr, rho, eps, wd = hp[0], hp[1], hp[2], hp[3]
    k = _Ops(p.dtype)
    step, sq, acc = st
    p, g, sq, acc = map(k.up, (p, g, sq, acc))
    step = step + 1
    g = k.grad(g, p, maximize, has_wd, wd)
    sq = k.ema_sq(sq, g, rho)
    std = k.sqrt(k.adds(sq, eps))
    delta = k.tmul(k.tdiv(k.sqrt(k.adds(acc, eps)), std), g)
    acc = k.ema_sq(acc, delta, rho)
    return k.down(k.add(p, delta, -lr)), (step, k.down(sq), k.down(acc))


def rmsprop(static, hp, p, g, st):
    """torch.optim.RMSprop single-tensor rule."""
    centered, has_mom, maximize, has_wd = static
    lr, alpha, eps, wd, mom = hp[0], hp[1], hp[2], hp[3], hp[4]
    k = _Ops(p.dtype)
    step, sq, buf, gavg = st
    p, g, sq, buf, gavg = map(k.up, (p, g, sq, buf, gavg))
    step = step + 1
    g = k.grad(g, p, maximize, has_wd, wd)
    sq = k.ema_sq(sq, g, alpha)
    if centered:
        gavg = k.lerp(gavg, g, 1 - alpha)
        avg = k.sqrt(k.addcmul(sq, gavg, gavg, -1))
    else:
        avg = k.sqrt(sq)
    avg = k.adds(avg, eps)
    if has_mom:
        buf = k.addcdiv(k.mul(buf, mom), g, avg, 1)
        p = k.add(p, buf, -lr)
    else:
        p = k.addcdiv(p, g, avg, -lr)
    return k.down(p), (step,) + tuple(map(k.down, (sq, buf, gavg)))


def nadam(static, hp, p, g, st):
    """torch.optim.NAdam single-tensor rule (capturable=False path)."""
    maximize, has_wd, decoupled = static
    lr, b1, b2, eps, wd, md = hp[0], hp[1], hp[2], hp[3], hp[4], hp[5]
    k = _Ops(p.dtype)
    step, mu_product, m, v = st
    p, g, m, v = map(k.up, (p, g, m, v))
    if maximize:
        g = -g
    step = step + 1
    s = step.astype(_F64)
    bc2 = 1 - b2 ** s
    if has_wd:
        if decoupled:
            p = k.mul(p, 1 - lr * wd)
        else:
            g = k.add(g, p, wd)
    mu = b1 * (1.0 - 0.5 * (0.96 ** (s * md)))
    mu_next = b1 * (1.0 - 0.5 * (0.96 ** ((s + 1) * md)))
    mu_product = mu_product * mu.astype(mu_product.dtype)  # NOTE: a float32 tensor *= float
    m = k.lerp(m, g, 1 - b1)
    v = k.ema_sq(v, g, b2)
    denom = k.adds(k.sqrt(k.divs(v, bc2)), eps)
    mp = mu_product.astype(_F64)
    p = k.addcdiv(p, g, denom, -lr * (1.0 - mu) / (1.0 - mp))
    p = k.addcdiv(p, m, denom, (-lr * mu_next) / (1.0 - mp * mu_next))
    return k.down(p), (step, mu_product, k.down(m), k.down(v))


def radam(static, hp, p, g, st):
    """torch.optim.RAdam single-tensor rule (capturable=False path)."""
    maximize, has_wd, decoupled = static
    lr, b1, b2, eps, wd = hp[0], hp[1], hp[2], hp[3], hp[4]
    k = _Ops(p.dtype)
    step, m, v = st
    p, g, m, v = map(k.up, (p, g, m, v))
    if maximize:
        g = -g
    step = step + 1
    s = step.astype(_F64)
    if has_wd:
        if decoupled:
            p = k.mul(p, 1 - lr * wd)
        else:
            g = k.add(g, p, wd)
    m = k.lerp(m, g, 1 - b1)
    v = k.ema_sq(v, g, b2)
    bc1 = 1 - b1 ** s
    bc2 = 1 - b2 ** s
    bcm = k.divs(m, bc1)
    rho_inf = 2 / (1 - b2) - 1
    rho_t = rho_inf - 2 * s * (b2 ** s) / bc2
    # NOTE: torch branches in Python on rho_t > 5; both branches are computed and selected here
    # (the rectification term is NaN when rho_t <= 4, but that branch is not taken).
    rect = ((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
    adaptive = k.rdiv(bc2 ** 0.5, k.adds(k.sqrt(v), eps))
    plain = k.mul(bcm, lr)
    upd = jnp.where(rho_t > 5.0, k.mul(k.tmul(plain, adaptive), rect), plain)
    return k.down(k.add(p, upd, -1.0)), (step, k.down(m), k.down(v))


def rprop(static, hp, p, g, st):
    """torch.optim.Rprop single-tensor rule."""
    (maximize,) = static
    etaminus, etaplus, smin, smax = hp[0], hp[1], hp[2], hp[3]
    k = _Ops(p.dtype)
    step, prev, step_size = st
    p, g, prev, step_size = map(k.up, (p, g, prev, step_size))
    step = step + 1
    if maximize:
        g = -g
    sign = jnp.sign(k.tmul(g, prev))
    # NOTE: sign[sign.gt(0)] = etaplus stores the scalars into a tensor of the param dtype
    em = k.r(etaminus)
    sign = jnp.where(sign > 0, k.r(etaplus), jnp.where(sign < 0, em, jnp.ones_like(sign)))
    step_size = k.rd(jnp.clip(k.tmul(step_size, sign), k.f(smin), k.f(smax)))
    g = jnp.where(sign == em, jnp.zeros_like(g), g)
    p = k.addcmul(p, jnp.sign(g), step_size, -1)
    return k.down(p), (step, k.down(g), k.down(step_size))


def asgd(static, hp, p, g, st):
    """torch.optim.ASGD single-tensor rule (capturable=False path)."""
    maximize, has_wd = static
    lr, lambd, alpha, t0, wd = hp[0], hp[1], hp[2], hp[3], hp[4]
    k = _Ops(p.dtype)
    step, eta, mu, ax = st
    p, g, ax = map(k.up, (p, g, ax))
    g = k.grad(g, p, maximize, has_wd, wd)
    step = step + 1
    eta_value = eta.astype(_F64)
    p = k.mul(p, 1 - lambd * eta_value)
    p = k.add(p, g, -eta_value)
    ax = jnp.where(mu != 1, k.add(ax, k.mul(k.sub(p, ax), mu)), p)
    s = step.astype(_F64)
    eta = (lr / ((1 + lambd * lr * s) ** alpha)).astype(eta.dtype)
    mu = (1 / jnp.maximum(1.0, s - t0)).astype(mu.dtype)
    return k.down(p), (step, eta, mu, k.down(ax))


def _as_real(x):
    return jnp.stack([x.real, x.imag], axis=-1)


def _as_complex(x):
    return jax.lax.complex(x[..., 0], x[..., 1])


def _complex_rule(rule, static, hp, p, g, s):
    """Apply a real rule to a complex parameter through real views, as torch's view_as_real:
    the parameter, its gradient and every state of the parameter's shape (complex) go through
    [..., 2] real arrays; scalar states (step, mu_product) stay as they are."""
    rs = tuple(_as_real(x) if x is not None and jnp.iscomplexobj(x) else x for x in s)
    a, b = rule(static, hp, _as_real(p), _as_real(g), rs)
    back = a.shape  # NOTE: also converts states created lazily by the rule (SGD's buffer)
    return _as_complex(a), tuple(_as_complex(x) if x is not None and x.shape == back else x
                                 for x in b)


def _group_update(rule, static, hp, ps, gs, ss):
    new_p, new_s = [], []
    for p, g, s in zip(ps, gs, ss):
        if jnp.iscomplexobj(p):
            a, b = _complex_rule(rule, static, hp, p, g, s)
        else:
            a, b = rule(static, hp, p, g, s)
        new_p.append(a)
        new_s.append(b)
    return new_p, new_s


@functools.lru_cache(maxsize=None)
def group_update(rule, static):
    """The compiled update of a whole param group for (rule, static flags): one XLA call."""
    return jax.jit(functools.partial(_group_update, rule, static))
