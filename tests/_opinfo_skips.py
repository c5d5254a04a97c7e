"""THE list of op_db entries tests/test_opinfo.py does not check, each with its reason.

Keys: an op_db full name ("name" or "name.variant") skips the whole entry; "name:int64",
"name:bool", "name:float32" skip one dtype; "name:grad" skips only the gradient check.
Reasons starting "out of scope" are counted apart by tools/opinfo_report.py (the "oos" column).
Ops jtorch does not have are not listed here: their tests skip with "jtorch lacks <name>".
"""

SKIPS = {}


def _group(reason, names):
    for n in names.split():
        SKIPS[n] = reason


_group("out of scope: random op, checked statistically (shape, dtype, moments, seeding) in "
       "tests/test_random.py, not by value against torch's generator",
       """bernoulli cauchy exponential geometric log_normal multinomial normal normal.in_place
       normal.number_mean uniform rand_like randint randint_like randn randn_like
       nn.functional.alpha_dropout nn.functional.dropout nn.functional.dropout2d
       nn.functional.dropout3d nn.functional.feature_alpha_dropout.with_train
       nn.functional.rrelu nn.functional.fractional_max_pool2d
       nn.functional.fractional_max_pool3d svd_lowrank pca_lowrank""")
_group("out of scope: private aten op (torch.ops.aten / leading underscore), not public API",
       """_batch_norm_with_update _chunk_cat _native_batch_norm_legit _segment_reduce.lengths
       _segment_reduce.offsets _softmax_backward_data _unsafe_masked_index
       _unsafe_masked_index_put_accumulate _upsample_bilinear2d_aa slice
       torch.ops.aten._efficient_attention_forward torch.ops.aten._flash_attention_forward
       torch.ops.aten._safe_softmax.default torch._scaled_mm torch._scaled_mm_v2""")
_group("out of scope: CUDA jiterator (runtime-compiled CUDA kernels), no CPU meaning",
       """jiterator_2inputs_2outputs jiterator_4inputs_with_extra_args jiterator_binary
       jiterator_binary_return_by_ref jiterator_unary""")
_group("out of scope: sparse layouts (jtorch tensors are dense JAX arrays)",
       """sparse.mm.reduce sparse.sampled_addmm to_sparse""")


# ---- known wrong, with the cause ------------------------------------------------------------
SKIPS.update({
    "as_strided.partial_views": "as_strided over a view's underlying storage: jtorch views do "
                                "not expose torch's storage offsets/strides model",
    "nextafter:grad": "torch marks nextafter's output requires_grad (its backward is not "
                      "implemented); jtorch registers nextafter as non-differentiable",
    "gather": "jtorch raises 'Expected dtype int32/int64 for index' on one of op_db's samples "
              "(jtorch/_ops/_index_ops.py gather; not investigated yet)",
    "logcumsumexp:grad": "gradient differs from torch's logcumsumexp_backward on op_db's "
                         "samples (JAX's derivative of the cumulative logsumexp; not "
                         "investigated yet)",
    "tensordot": "jtorch raises a contracted-dimension mismatch on op_db's sample with dims as "
                 "lists (dims parsing in jtorch/_ops/linalg.py; not investigated yet)",
    "scatter_reduce.amax:bool": "bool scatter-max: jax.lax.scatter_max has no bool kernel",
    "scatter_reduce.amin:bool": "bool scatter-min: jax.lax.scatter_min has no bool kernel",
    "scatter_reduce.sum:bool": "bool scatter-add: jax.lax.scatter_add has no bool kernel",
    "scatter_reduce.prod:bool": "bool scatter-multiply: jax.lax.scatter_mul has no bool kernel",
    "scatter_reduce.prod:grad": "JAX's scatter_mul VJP requires unique indices (op_db's "
                                "samples repeat indices)",
    "linalg.pinv.hermitian:grad": "torch differentiates pinv(hermitian=True) as a function of "
                                  "the whole matrix; jtorch differentiates through the triangle "
                                  "eigh reads (op_db's samples are not Hermitian)",
    "linalg.pinv.singular:grad": "rank-deficient input: torch's pinv backward formula and JAX's "
                                 "SVD derivative disagree at the rank cut-off",
    # nn.functional (owned by the nn engineers; causes as reported by the test)
    "nn.functional.batch_norm": "jtorch raises 'expected 2D or more input' for op_db's 1-d "
                                "(C,) input sample",
    "nn.functional.cosine_embedding_loss:int64": "result dtype float64 for int64 inputs "
                                                  "(torch: float32)",
    "nn.functional.cosine_embedding_loss:bool": "result dtype float64 for bool inputs "
                                                 "(torch: float32)",
    "nn.functional.margin_ranking_loss:int64": "result dtype float64 for int64 inputs "
                                               "(torch: float32)",
    "nn.functional.pairwise_distance:int64": "result dtype float64 for int64 inputs "
                                             "(torch: float32)",
    "nn.functional.poisson_nll_loss:int64": "result dtype float64 for int64 inputs "
                                            "(torch: float32)",
    "nn.functional.triplet_margin_loss:int64": "result dtype float64 for int64 inputs "
                                               "(torch: float32)",
    "nn.functional.local_response_norm:int64": "result dtype int64 for int64 input (torch: "
                                               "float32)",
    "nn.functional.max_pool2d:grad": "JAX has no VJP for max-pooling with window dilation "
                                     "(select_and_gather)",
    "nn.functional.max_pool3d:grad": "JAX has no VJP for max-pooling with window dilation "
                                     "(select_and_gather)",
    "nn.functional.multi_head_attention_forward": "output differs from torch on op_db's "
                                                  "samples (not investigated yet)",
    "nn.functional.scaled_dot_product_attention": "output differs from torch on op_db's "
                                                  "samples (not investigated yet)",
    "nn.functional.triplet_margin_with_distance_loss": "distance_function defaults to torch's "
                                                       "pairwise_distance inside op_db's sample "
                                                       "(a torch callable given jtorch tensors)",
    "nn.functional.unfold": "ZeroDivisionError on op_db's sample with a zero-size dimension",
})

# Per-entry tolerances (rtol, atol) where float32 results legitimately differ more than the
# default (different but valid summation orders / algorithms); key "name" or "name:grad".
TOLERANCES = {
    # polygamma near its poles: torch's and JAX's zeta series round differently (~1.4e-5 rel).
    **{n: (1e-4, 1e-5) for n in ("polygamma.polygamma_n_0", "polygamma.polygamma_n_1",
                                 "polygamma.polygamma_n_2", "polygamma.polygamma_n_3",
                                 "polygamma.polygamma_n_4",
                                 "special.polygamma.special_polygamma_n_0")},
}
