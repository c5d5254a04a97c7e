"""The op registry and op families (pointwise, reduction, shape, indexing, linalg, ...)."""
