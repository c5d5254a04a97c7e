"""The flash-attention implementation registry (torch.nn.attention._registry), pure Python."""
import importlib.util
import logging

__all__ = ["register_flash_attention_impl", "activate_flash_attention_impl",
           "list_flash_attention_impls", "current_flash_attention_impl",
           "restore_flash_attention_impl"]

logger = logging.getLogger(__name__)

_FLASH_ATTENTION_IMPLS = {}
_FLASH_ATTENTION_ACTIVE = None


def register_flash_attention_impl(impl, *, register_fn):
    """Register the callable that activates a flash attention impl."""
    _FLASH_ATTENTION_IMPLS[impl] = register_fn


def activate_flash_attention_impl(impl):
    """Activate a registered flash attention impl (its register_fn is called)."""
    global _FLASH_ATTENTION_ACTIVE
    restore_flash_attention_impl(_raise_warn=False)
    register_fn = _FLASH_ATTENTION_IMPLS.get(impl)
    if register_fn is None:
        raise ValueError(f"Unknown flash attention impl '{impl}'. "
                         f"Available implementations: {list_flash_attention_impls()}")
    handle = register_fn()
    if handle is not None:
        _FLASH_ATTENTION_ACTIVE = (impl, handle)


def list_flash_attention_impls():
    """The names of all registered flash attention implementations."""
    return sorted(_FLASH_ATTENTION_IMPLS.keys())


def current_flash_attention_impl():
    """The activated flash attention impl's name, or None."""
    return _FLASH_ATTENTION_ACTIVE[0] if _FLASH_ATTENTION_ACTIVE is not None else None


def restore_flash_attention_impl(_raise_warn=True):
    """Restore the default flash attention implementation."""
    global _FLASH_ATTENTION_ACTIVE
    handle = _FLASH_ATTENTION_ACTIVE[1] if _FLASH_ATTENTION_ACTIVE is not None else None
    if handle is not None:
        handle.remove()
    elif _raise_warn:
        logger.warning("Trying to restore default FA2 impl when no custom impl was activated")
    _FLASH_ATTENTION_ACTIVE = None


def _builtin(impl, module_path):
    """torch's built-in FA3/FA4 entries: they need the kernel package, then torch's dispatcher."""
    def register_fn(module_path=module_path):
        # NOTE: torch imports the package first (ModuleNotFoundError when it is missing); with it
        # installed, torch registers its CUDA kernels with the dispatcher, which jtorch lacks.
        if importlib.util.find_spec(module_path.partition(".")[0]) is None:
            raise ModuleNotFoundError(f"No module named '{module_path.partition('.')[0]}'",
                                      name=module_path.partition(".")[0])
        raise NotImplementedError(f"activate_flash_attention_impl('{impl}'): jtorch cannot run "
                                  f"{module_path}'s CUDA kernels (XLA picks the attention kernel)")
    register_flash_attention_impl(impl, register_fn=register_fn)


_builtin("FA3", "flash_attn_interface")
_builtin("FA4", "flash_attn.cute")
