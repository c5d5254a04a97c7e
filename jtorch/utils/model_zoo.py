"""torch.utils.model_zoo: the old name of torch.hub.load_state_dict_from_url (and hub's tqdm)."""
from ..hub import load_state_dict_from_url as load_url, tqdm

# NOTE: torch's module has no __all__; its star-export is exactly these two public names.
__all__ = ["load_url", "tqdm"]
