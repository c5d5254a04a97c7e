"""torch.cond on jax.lax.cond: a data-dependent branch inside compiled code."""
import jax

__all__ = ["cond"]


def cond(pred, true_fn, false_fn, operands=()):
    """Run true_fn(*operands) if pred else false_fn(*operands); traced as lax.cond."""
    from .._tensor import Tensor, wrap
    if not isinstance(operands, (tuple, list)):
        raise RuntimeError(f"torch.cond: operands must be a tuple or list of tensors, got "
                           f"{type(operands).__name__}")
    ops = tuple(operands)
    if any(not isinstance(o, Tensor) for o in ops):
        raise RuntimeError("torch.cond: every operand must be a Tensor")
    p = pred._arr() if isinstance(pred, Tensor) else pred
    if isinstance(p, Tensor) or getattr(p, "size", 1) != 1:
        raise RuntimeError("torch.cond: pred must be a bool or a tensor with one element")
    if not isinstance(p, jax.core.Tracer):
        # NOTE: eager mode: a concrete predicate picks the branch (autograd flows normally)
        return true_fn(*ops) if bool(p) else false_fn(*ops)

    def branch(f):
        def run(arrs):
            out = f(*(wrap(a) for a in arrs))
            leaves, tree = jax.tree_util.tree_flatten(out, is_leaf=lambda x: isinstance(x, Tensor))
            trees.append(tree)
            return [x._arr() if isinstance(x, Tensor) else x for x in leaves]
        return run
    trees = []
    res = jax.lax.cond(jax.numpy.reshape(p, ()).astype(bool), branch(true_fn),
                       branch(false_fn), [o._arr() for o in ops])
    if trees[0] != trees[1]:
        raise RuntimeError(f"torch.cond: true_fn and false_fn must return the same structure; "
                           f"got {trees[0]} and {trees[1]}")
    return jax.tree_util.tree_unflatten(trees[0], [wrap(a) for a in res])
