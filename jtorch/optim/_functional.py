"""Pure update rules (jax.numpy / optax) with torch's exact single-tensor math, and the compiled
per-group update that applies one rule to all of a param group's tensors in one XLA call.

A rule is `rule(static, hp, p, g, st) -> (p, st)`: `static` a hashable tuple of flags (baked into
the compiled program), `hp` a float64 vector of hyper-parameters (a traced argument, so changing
lr from a scheduler never recompiles), `p`/`g` one parameter and its gradient, `st` the tuple of
its state arrays (None for a state torch creates lazily).

NOTE: scalar hyper-parameter arithmetic runs in float64 and is then cast to the parameter dtype,
because torch computes it with Python floats and converts the scalar to the tensor's dtype when it
meets a tensor. Operation order mirrors torch's single-tensor kernels (lerp_, addcmul_, addcdiv_,
add_(alpha=)) so results agree to float32 rounding. optax's own rules are used where they compute
the same thing (SGD momentum: optax.trace); elsewhere they differ from torch (optax's EMAs are
(1-d)*g + d*m, not torch's lerp; optax.adam adds eps after bias-correcting the second moment;
optax.adagrad puts eps inside the square root and starts from a non-zero accumulator; no optax rule
has torch's SGD dampening, NAdam mu_product or RAdam rectification), so those are written in jnp.

NOTE: SGD, Adam/AdamW, RMSprop and Adagrad go through _Ops, which reproduces torch's CPU kernels
for bfloat16/float16 parameters bit for bit in their vectorized body (float32 opmath, one
rounding per torch op, each scalar converted as that kernel converts it); the other rules still
compute in the parameter dtype with _cast (close to, not equal to, torch for bfloat16/float16).
"""
import functools

import jax
import jax.numpy as jnp
import optax

__all__ = ["group_update", "sgd", "adam", "adamax", "adagrad", "adadelta", "rmsprop", "nadam",
           "radam", "rprop", "asgd"]

_F64 = jnp.float64


def _cast(p):
    """Scalar converter to p's dtype (torch converts Python-float scalars to the tensor dtype)."""
    dt = p.dtype
    return lambda x: jnp.asarray(x).astype(dt)


def _lerp(a, b, w):
    """torch's CPU lerp with a scalar weight (two formulas for stability, as ATen)."""
    d = b - a
    return jnp.where(jnp.abs(w) < 0.5, a + w * d, b - d * (1 - w))


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
    NOTE: measured on torch's CPU kernels for bfloat16/float16: the Python-scalar operand of
    mul_, lerp_, addcmul_/addcdiv_'s value and division is converted to float32, while add's
    alpha and add_(scalar) first round the scalar to the tensor's dtype. For float32/float64
    the compute dtype is the dtype itself and the rounding is the identity, so these are the
    plain expressions (and the same XLA program) as before."""

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
        """A Python scalar first rounded to the tensor dtype (add's alpha, add_(scalar))."""
        return jnp.asarray(x).astype(self.dt).astype(self.op)

    def add(self, a, b, alpha):
        """a.add(b, alpha=alpha)."""
        return self.rd(a + self.r(alpha) * b)

    def adds(self, a, x):
        """a.add_(x) with a Python scalar x."""
        return self.rd(a + self.r(x))

    def mul(self, a, x):
        """a.mul_(x) with a Python scalar x."""
        return self.rd(a * self.f(x))

    def divs(self, a, x):
        """a / x with a Python scalar x."""
        return self.rd(a / self.f(x))

    def lerp(self, a, b, w):
        """a.lerp_(b, w) with a Python-scalar weight."""
        return self.rd(_lerp(a, b, self.f(w)))

    def addcmul(self, a, t1, t2, value):
        """a.addcmul_(t1, t2, value=value): a + value * t1 * t2, left to right."""
        return self.rd(a + (self.f(value) * t1) * t2)

    def addcdiv(self, a, t1, t2, value):
        """a.addcdiv_(t1, t2, value=value): a + value * t1 / t2, left to right."""
        return self.rd(a + (self.f(value) * t1) / t2)

    def sqrt(self, a):
        """a.sqrt()."""
        return self.rd(jnp.sqrt(a))


def _ema_sq(v, g, beta, c):
    """exp_avg_sq.mul_(beta).addcmul_(g, g, value=1 - beta)."""
    return v * c(beta) + (c(1 - beta) * g) * g


def _prep_grad(static_max, static_wd, p, g, wd, c):
    """grad = -grad if maximize; grad = grad.add(param, alpha=weight_decay) if wd != 0."""
    if static_max:
        g = -g
    if static_wd:
        g = g + c(wd) * p
    return g


def sgd(static, hp, p, g, st):
    """torch.optim.SGD single-tensor rule."""
    has_mom, nesterov, maximize, has_wd, damp_zero = static
    lr, mom, damp, wd = hp[0], hp[1], hp[2], hp[3]
    k = _Ops(p.dtype)
    p, g, st = k.up(p), k.up(g), tuple(map(k.up, st))
    if maximize:
        g = -g
    if has_wd:
        g = k.add(g, p, wd)
    if has_mom:
        (buf,) = st
        if damp_zero and not k.lowp:
            # NOTE: optax.trace is exactly torch's momentum when dampening == 0: t = g + m * t,
            # and torch's first buffer (a copy of grad) equals optax's from a zero trace.
            # Low precision takes the op-by-op branch: torch rounds after mul_ and add_.
            tx = optax.trace(decay=k.f(mom), nesterov=nesterov)
            tr = optax.TraceState(trace=jnp.zeros_like(g) if buf is None else buf)
            g, new = tx.update(g, tr)
            buf = new.trace
        else:
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
    v = k.addcmul(k.mul(v, b2), g, g, 1 - b2)
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
    c = _cast(p)
    step, m, u = st
    g = _prep_grad(maximize, has_wd, p, g, wd, c)
    step = step + 1
    m = _lerp(m, g, c(1 - b1))
    u = jnp.maximum(u * c(b2), jnp.abs(g) + c(eps))
    clr = lr / (1 - b1 ** step.astype(_F64))
    return p + (c(-clr) * m) / u, (step, m, u)


def adagrad(static, hp, p, g, st):
    """torch.optim.Adagrad single-tensor rule (dense gradients)."""
    maximize, has_wd = static
    lr, lr_decay, wd, eps = hp[0], hp[1], hp[2], hp[3]
    k = _Ops(p.dtype)
    step, acc = st
    p, g, acc = map(k.up, (p, g, acc))
    step = step + 1
    if maximize:
        g = -g
    if has_wd:
        g = k.add(g, p, wd)
    clr = lr / (1 + (step.astype(_F64) - 1) * lr_decay)
    acc = k.addcmul(acc, g, g, 1)
    std = k.adds(k.sqrt(acc), eps)
    return k.down(k.addcdiv(p, g, std, -clr)), (step, k.down(acc))


def adadelta(static, hp, p, g, st):
    """torch.optim.Adadelta single-tensor rule."""
    maximize, has_wd = static
    lr, rho, eps, wd = hp[0], hp[1], hp[2], hp[3]
    c = _cast(p)
    step, sq, acc = st
    step = step + 1
    g = _prep_grad(maximize, has_wd, p, g, wd, c)
    sq = _ema_sq(sq, g, rho, c)
    std = jnp.sqrt(sq + c(eps))
    delta = (jnp.sqrt(acc + c(eps)) / std) * g
    acc = _ema_sq(acc, delta, rho, c)
    return p + c(-lr) * delta, (step, sq, acc)


def rmsprop(static, hp, p, g, st):
    """torch.optim.RMSprop single-tensor rule."""
    centered, has_mom, maximize, has_wd = static
    lr, alpha, eps, wd, mom = hp[0], hp[1], hp[2], hp[3], hp[4]
    k = _Ops(p.dtype)
    step, sq, buf, gavg = st
    p, g, sq, buf, gavg = map(k.up, (p, g, sq, buf, gavg))
    step = step + 1
    if maximize:
        g = -g
    if has_wd:
        g = k.add(g, p, wd)
    sq = k.addcmul(k.mul(sq, alpha), g, g, 1 - alpha)
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
    c = _cast(p)
    step, mu_product, m, v = st
    if maximize:
        g = -g
    step = step + 1
    s = step.astype(_F64)
    bc2 = 1 - b2 ** s
    if has_wd:
        if decoupled:
            p = p * c(1 - lr * wd)
        else:
            g = g + c(wd) * p
    mu = b1 * (1.0 - 0.5 * (0.96 ** (s * md)))
    mu_next = b1 * (1.0 - 0.5 * (0.96 ** ((s + 1) * md)))
    mu_product = mu_product * mu.astype(mu_product.dtype)
    m = _lerp(m, g, c(1 - b1))
    v = _ema_sq(v, g, b2, c)
    denom = jnp.sqrt(v / c(bc2)) + c(eps)
    mp = mu_product.astype(_F64)
    mu_product_next = mp * mu_next
    p = p + (c(-lr * (1.0 - mu) / (1.0 - mp)) * g) / denom
    p = p + (c((-lr * mu_next) / (1.0 - mu_product_next)) * m) / denom
    return p, (step, mu_product, m, v)


def radam(static, hp, p, g, st):
    """torch.optim.RAdam single-tensor rule (capturable=False path)."""
    maximize, has_wd, decoupled = static
    lr, b1, b2, eps, wd = hp[0], hp[1], hp[2], hp[3], hp[4]
    c = _cast(p)
    step, m, v = st
    if maximize:
        g = -g
    step = step + 1
    s = step.astype(_F64)
    if has_wd:
        if decoupled:
            p = p * c(1 - lr * wd)
        else:
            g = g + c(wd) * p
    m = _lerp(m, g, c(1 - b1))
    v = _ema_sq(v, g, b2, c)
    bc1 = 1 - b1 ** s
    bc2 = 1 - b2 ** s
    bcm = m / c(bc1)
    rho_inf = 2 / (1 - b2) - 1
    rho_t = rho_inf - 2 * s * (b2 ** s) / bc2
    # NOTE: torch branches in Python on rho_t > 5; both branches are computed and selected here
    # (the rectification term is NaN when rho_t <= 4, but that branch is not taken).
    rect = ((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
    adaptive = c(bc2 ** 0.5) / (jnp.sqrt(v) + c(eps))
    upd = jnp.where(rho_t > 5.0, ((bcm * c(lr)) * adaptive) * c(rect), bcm * c(lr))
    return p - upd, (step, m, v)


def rprop(static, hp, p, g, st):
    """torch.optim.Rprop single-tensor rule."""
    (maximize,) = static
    etaminus, etaplus, smin, smax = hp[0], hp[1], hp[2], hp[3]
    c = _cast(p)
    step, prev, step_size = st
    step = step + 1
    if maximize:
        g = -g
    sign = jnp.sign(g * prev)
    sign = jnp.where(sign > 0, c(etaplus), jnp.where(sign < 0, c(etaminus), c(1.0)))
    step_size = jnp.minimum(jnp.maximum(step_size * sign, c(smin)), c(smax))
    g = jnp.where(sign == c(etaminus), jnp.zeros_like(g), g)
    p = p + (-jnp.sign(g)) * step_size
    return p, (step, g, step_size)


def asgd(static, hp, p, g, st):
    """torch.optim.ASGD single-tensor rule (capturable=False path)."""
    maximize, has_wd = static
    lr, lambd, alpha, t0, wd = hp[0], hp[1], hp[2], hp[3], hp[4]
    c = _cast(p)
    step, eta, mu, ax = st
    g = _prep_grad(maximize, has_wd, p, g, wd, c)
    step = step + 1
    eta_value = eta.astype(_F64)
    p = p * c(1 - lambd * eta_value)
    p = p + c(-eta_value) * g
    ax = jnp.where(mu != 1, ax + (p - ax) * mu.astype(p.dtype), p)
    s = step.astype(_F64)
    eta = (lr / ((1 + lambd * lr * s) ** alpha)).astype(eta.dtype)
    mu = (1 / jnp.maximum(1.0, s - t0)).astype(mu.dtype)
    return p, (step, eta, mu, ax)


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
