"""torch.optim: optimizers on optax/jax with torch's update math and state_dict layout."""
from . import lr_scheduler, optimizer, swa_utils  # noqa: F401
from ._adafactor import Adafactor
from ._muon import Muon
from .adadelta import Adadelta
from .adagrad import Adagrad
from .adam import Adam, AdamW
from .adamax import Adamax
from .asgd import ASGD
from .lbfgs import LBFGS
from .nadam import NAdam
from .optimizer import Optimizer
from .radam import RAdam
from .rmsprop import RMSprop
from .rprop import Rprop
from .sgd import SGD
from .sparse_adam import SparseAdam

# NOTE: as torch, the classes from private modules report the package as their module.
Adafactor.__module__ = "jtorch.optim"
Muon.__module__ = "jtorch.optim"

__all__ = ["ASGD", "Adadelta", "Adafactor", "Adagrad", "Adam", "AdamW", "Adamax", "LBFGS", "Muon",
           "NAdam", "Optimizer", "RAdam", "RMSprop", "Rprop", "SGD", "SparseAdam", "lr_scheduler",
           "optimizer", "swa_utils"]
