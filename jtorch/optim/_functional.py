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
    c = _cast(p)
    g = _prep_grad(maximize, has_wd, p, g, wd, c)
    if has_mom:
        (buf,) = st
        if damp_zero:
            # NOTE: optax.trace is exactly torch's momentum when dampening == 0: t = g + m * t,
            # and torch's first buffer (a copy of grad) equals optax's from a zero trace.
            tx = optax.trace(decay=c(mom), nesterov=nesterov)
            tr = optax.TraceState(trace=jnp.zeros_like(g) if buf is None else buf)
            g, new = tx.update(g, tr)
            buf = new.trace
        else:
            buf = g if buf is None else buf * c(mom) + c(1 - damp) * g
            g = g + c(mom) * buf if nesterov else buf
        st = (buf,)
    return p + c(-lr) * g, st


def adam(static, hp, p, g, st):
    """torch.optim.Adam / AdamW single-tensor rule (capturable=False path)."""
    amsgrad, maximize, has_wd, decoupled = static
    lr, b1, b2, eps, wd = hp[0], hp[1], hp[2], hp[3], hp[4]
    c = _cast(p)
    step, m, v, vmax = st
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
    bc2_sqrt = (1 - b2 ** s) ** 0.5
    step_size = lr / bc1
    if amsgrad:
        vmax = jnp.maximum(vmax, v)
        denom = jnp.sqrt(vmax) / c(bc2_sqrt) + c(eps)
    else:
        denom = jnp.sqrt(v) / c(bc2_sqrt) + c(eps)
    p = p + (c(-step_size) * m) / denom
    return p, (step, m, v, vmax)


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
    c = _cast(p)
    step, acc = st
    step = step + 1
    g = _prep_grad(maximize, has_wd, p, g, wd, c)
    clr = lr / (1 + (step.astype(_F64) - 1) * lr_decay)
    acc = acc + g * g
    std = jnp.sqrt(acc) + c(eps)
    return p + (c(-clr) * g) / std, (step, acc)


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
    c = _cast(p)
    step, sq, buf, gavg = st
    step = step + 1
    g = _prep_grad(maximize, has_wd, p, g, wd, c)
    sq = _ema_sq(sq, g, alpha, c)
    if centered:
        gavg = _lerp(gavg, g, c(1 - alpha))
        avg = jnp.sqrt(sq + (-gavg) * gavg)
    else:
        avg = jnp.sqrt(sq)
    avg = avg + c(eps)
    if has_mom:
        buf = buf * c(mom) + g / avg
        p = p + c(-lr) * buf
    else:
        p = p + (c(-lr) * g) / avg
    return p, (step, sq, buf, gavg)


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
