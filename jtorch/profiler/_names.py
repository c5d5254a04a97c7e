"""Profiler event names for jtorch ops: torch's aten operator names where they coincide."""
__all__ = ["event_name"]

# NOTE: jtorch ops that are one of several variants of one aten operator (a static-argument
# split, a bias/no-bias split, ...) report that operator's name.
_RENAME = {
    "add_alpha": "add", "sub_alpha": "sub", "div_floor": "div", "div_trunc": "div",
    "sum_dim": "sum", "mean_dim": "mean", "prod_dim": "prod", "max_dim": "max",
    "min_dim": "min", "median_dim": "median", "nanmedian_dim": "nanmedian",
    "matmul_vm": "matmul", "linear_mm": "linear", "linear_1d": "linear",
    "linear_1d_nobias": "linear", "linear_nd": "linear", "linear_nd_nobias": "linear",
    "squeeze0": "squeeze", "squeeze1": "squeeze", "squeeze2": "squeeze",
    "masked_fill_tensor": "masked_fill", "index_fill_tensor": "index_fill",
    "scatter_value": "scatter", "repeat_interleave_index": "repeat_interleave",
    "repeat_interleave_int": "repeat_interleave", "view_dtype": "view",
    "F.cross_entropy": "cross_entropy_loss", "F.cross_entropy_ls": "cross_entropy_loss",
    "F.cross_entropy_prob": "cross_entropy_loss",
    "F.cross_entropy_prob_sum": "cross_entropy_loss", "F.logsigmoid": "log_sigmoid",
    "F.kl_div_batchmean": "kl_div", "F.multi_head_attention": "_native_multi_head_attention",
    "reflect_pad1d": "reflection_pad1d", "reflect_pad2d": "reflection_pad2d",
    "reflect_pad3d": "reflection_pad3d", "replicate_pad1d": "replication_pad1d",
    "replicate_pad2d": "replication_pad2d", "replicate_pad3d": "replication_pad3d",
    "trapezoid_x": "trapezoid", "trapezoid_dx": "trapezoid",
    "cumulative_trapezoid_x": "cumulative_trapezoid",
    "cumulative_trapezoid_dx": "cumulative_trapezoid",
}
# NOTE: jtorch ops with no aten operator of that name (internal helpers, fused composites,
# variants torch implements differently); they keep jtorch's own name. tests/profiler checks
# this list, and every other op's aten name, against torch.ops.aten.
_KEEP = frozenset([
    "F.gaussian_nll_loss", "F.gumbel_softmax", "F.multilabel_soft_margin_loss", "F.rnn",
    "F.softsign", "F.tanhshrink", "_conj_mH", "_count_nonzero_idx", "_histogram_outer",
    "_minmax_stat", "_repeats_stat", "_to_device", "alias_index", "circular_pad1d",
    "circular_pad2d", "circular_pad3d", "copy_slices", "copy_slices_basic", "fft",
    "index_host", "index_put_dyn", "index_put_host", "instance_norm_update", "local_response_norm",
    "lp_pool1d", "lp_pool2d", "lp_pool3d", "max_unpool1d", "native_batch_norm_stats",
    "native_batch_norm_update", "native_group_norm_stats", "native_layer_norm_stats",
    "normalize", "scatter_reduce_legacy", "unsqueeze_index", "upsample_bicubic1d",
    "upsample_bicubic3d", "upsample_bilinear1d", "upsample_bilinear3d", "upsample_linear2d",
    "upsample_linear3d", "upsample_nearest-exact1d", "upsample_nearest-exact2d",
    "upsample_nearest-exact3d", "upsample_trilinear1d", "upsample_trilinear2d",
])
_CACHE = {}


def event_name(op_name):
    """The profiler event name of jtorch op `op_name` ('aten::mm', or jtorch's own name)."""
    n = _CACHE.get(op_name)
    if n is None:
        if op_name in _KEEP:
            n = op_name
        else:
            base = _RENAME.get(op_name, op_name)
            n = "aten::" + (base[2:] if base.startswith("F.") else base)
        _CACHE[op_name] = n
    return n
