"""torch.nn.attention.flex_attention: not available in jtorch (importing it raises ImportError)."""
# NOTE: flex_attention compiles a user score_mod/block_mask into a fused Triton kernel; jtorch
# has no equivalent. ImportError (not a half-working module) lets scripts that guard the import
# with `except ImportError` fall back to scaled_dot_product_attention.
raise ImportError("torch.nn.attention.flex_attention is not supported by jtorch; use "
                  "torch.nn.functional.scaled_dot_product_attention with an attn_mask instead")
