"""torch.optim.sparse_adam: SparseAdam, whose step needs sparse gradients (nn.Embedding(sparse=True)
in torch)."""
from .optimizer import Optimizer, _closure_loss, _no_grad_step

__all__ = ["SparseAdam"]


class SparseAdam(Optimizer):
    """Masked Adam for sparse gradients. jtorch has no sparse tensors (every gradient is dense,
    including nn.Embedding(sparse=True)'s), so step() with any gradient raises torch's own
    error for a dense gradient; construction, validation and state_dict are torch's."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, maximize=False):
        if hasattr(lr, "numel") and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if not 0.0 < lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 < eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= betas[0] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
        if not 0.0 <= betas[1] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")
        defaults = {"lr": lr, "betas": betas, "eps": eps, "maximize": maximize}
        super().__init__(params, defaults)
        sparse_params, complex_params = [], []
        for index, param_group in enumerate(self.param_groups):
            for d_index, d_param in enumerate(param_group["params"]):
                if d_param.is_sparse:
                    sparse_params.append([index, d_index])
                if d_param.is_complex():
                    complex_params.append([index, d_index])
        if sparse_params:
            raise ValueError(f"Sparse params at indices {sparse_params}: SparseAdam requires "
                             f"dense parameter tensors")
        if complex_params:
            raise ValueError(f"Complex params at indices {complex_params}: SparseAdam does not "
                             f"support complex parameters")

    @_no_grad_step
    def step(self, closure=None):
        """Perform a single optimization step (raises for the dense gradients jtorch has)."""
        loss = _closure_loss(closure)
        for group in self.param_groups:
            for p in group["params"]:
                g = p._grad
                # NOTE: torch checks before creating any state, so nothing changes here.
                if g is not None and not g.is_sparse:
                    raise RuntimeError("SparseAdam does not support dense gradients, please "
                                       "consider Adam instead")
        return loss
