"""torch.nn.utils.convert_parameters: the public module path of parameters <-> vector."""
from ._convert_parameters import parameters_to_vector, vector_to_parameters

__all__ = ["parameters_to_vector", "vector_to_parameters"]
