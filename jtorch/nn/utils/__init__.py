"""torch.nn.utils."""
from ._clip_grad import (  # noqa: F401
    clip_grad_norm, clip_grad_norm_, clip_grad_value_, clip_grads_with_norm_, get_total_norm,
)
from ._convert_parameters import parameters_to_vector, vector_to_parameters  # noqa: F401
from ._init import skip_init  # noqa: F401
from ._spectral_norm import remove_spectral_norm, spectral_norm  # noqa: F401
from ._weight_norm import remove_weight_norm, weight_norm  # noqa: F401

__all__ = ["clip_grad_norm", "clip_grad_norm_", "clip_grads_with_norm_", "clip_grad_value_",
           "get_total_norm", "parameters_to_vector", "skip_init", "vector_to_parameters",
           "weight_norm", "remove_weight_norm", "spectral_norm", "remove_spectral_norm"]

# NOTE: submodules other files provide (torch.nn.utils.rnn, parametrize, ...) are imported when
# present, so `nn.utils.rnn` works as an attribute as in torch.
import importlib.util as _ilu  # noqa: E402

for _name in ("rnn", "parametrize", "parametrizations", "stateless"):
    if _ilu.find_spec(f"{__name__}.{_name}") is not None:
        __import__(f"{__name__}.{_name}")
del _ilu, _name
