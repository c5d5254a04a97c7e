"""Ops run inside autocast by both torch and jtorch: name -> fn(x, y, lp) with x, y float32
(4, 4) tensors and lp a lower-precision (4, 4) tensor."""

def cases(torch):
    F = torch.nn.functional
    C = {}
    def c(name):
        def d(f):
            C[name] = f
            return f
        return d
    c("mm")(lambda x, y, lp: torch.mm(x, y))
    c("matmul")(lambda x, y, lp: torch.matmul(x, y))
    c("matmul_op")(lambda x, y, lp: x @ y)
    c("mv")(lambda x, y, lp: torch.mv(x, y[0]))
    c("bmm")(lambda x, y, lp: torch.bmm(x[None], y[None]))
    c("addmm")(lambda x, y, lp: torch.addmm(x, x, y))
    c("addmv")(lambda x, y, lp: torch.addmv(x[0], x, y[0]))
    c("addr")(lambda x, y, lp: torch.addr(x, x[0], y[0]))
    c("baddbmm")(lambda x, y, lp: torch.baddbmm(x[None], x[None], y[None]))
    c("addbmm")(lambda x, y, lp: torch.addbmm(x, x[None], y[None]))
    c("dot")(lambda x, y, lp: torch.dot(x[0], y[0]))
    c("linear")(lambda x, y, lp: F.linear(x, y, y[0]))
    c("linear_nobias")(lambda x, y, lp: F.linear(x, y))
    c("conv1d")(lambda x, y, lp: F.conv1d(x[None], y[:, :, None]))
    c("conv2d")(lambda x, y, lp: F.conv2d(x[None, :, :, None], y[:, :, None, None]))
    c("conv_transpose1d")(lambda x, y, lp: F.conv_transpose1d(x[None], y[:, :, None]))
    c("prelu")(lambda x, y, lp: F.prelu(x, y[0, :1]))
    c("sdpa")(lambda x, y, lp: F.scaled_dot_product_attention(x[None], y[None], y[None]))
    c("einsum")(lambda x, y, lp: torch.einsum("ij,jk->ik", x, y))
    c("tensordot")(lambda x, y, lp: torch.tensordot(x, y, 1))
    c("lp_add")(lambda x, y, lp: lp + x)
    c("lp_mul")(lambda x, y, lp: lp * lp)
    c("lp_softmax")(lambda x, y, lp: F.softmax(lp, -1))
    c("lp_log_softmax")(lambda x, y, lp: F.log_softmax(lp, -1))
    c("lp_exp")(lambda x, y, lp: torch.exp(lp))
    c("lp_log")(lambda x, y, lp: torch.log(lp.abs()))
    c("lp_pow")(lambda x, y, lp: torch.pow(lp, 2))
    c("lp_sum")(lambda x, y, lp: lp.sum())
    c("lp_sum_dim")(lambda x, y, lp: lp.sum(0))
    c("lp_mean")(lambda x, y, lp: lp.mean())
    c("lp_prod")(lambda x, y, lp: lp.prod())
    c("lp_cumsum")(lambda x, y, lp: lp.cumsum(0))
    c("lp_norm")(lambda x, y, lp: lp.norm())
    c("lp_layer_norm")(lambda x, y, lp: F.layer_norm(lp, (4,)))
    c("lp_layer_norm_w")(lambda x, y, lp: F.layer_norm(lp, (4,), y[0], y[1]))
    c("lp_group_norm")(lambda x, y, lp: F.group_norm(lp[None], 2))
    c("lp_batch_norm")(lambda x, y, lp: F.batch_norm(lp, None, None, training=True))
    c("lp_mse")(lambda x, y, lp: F.mse_loss(lp, lp * 0))
    c("mse_mixed")(lambda x, y, lp: F.mse_loss(lp, x))
    c("lp_l1")(lambda x, y, lp: F.l1_loss(lp, lp * 0))
    c("lp_smooth_l1")(lambda x, y, lp: F.smooth_l1_loss(lp, lp * 0))
    c("lp_huber")(lambda x, y, lp: F.huber_loss(lp, lp * 0))
    c("lp_ce")(lambda x, y, lp: F.cross_entropy(lp, torch.tensor([0, 1, 2, 3])))
    c("lp_nll")(lambda x, y, lp: F.nll_loss(lp, torch.tensor([0, 1, 2, 3])))
    c("lp_bce_logits")(lambda x, y, lp: F.binary_cross_entropy_with_logits(lp, torch.sigmoid(lp)))
    c("lp_bce")(lambda x, y, lp: F.binary_cross_entropy(torch.sigmoid(lp), torch.sigmoid(lp)))
    c("lp_kl_div")(lambda x, y, lp: F.kl_div(lp, lp, reduction="batchmean"))
    c("lp_cos_sim")(lambda x, y, lp: F.cosine_similarity(lp, lp))
    c("lp_softplus")(lambda x, y, lp: F.softplus(lp))
    c("lp_gelu")(lambda x, y, lp: F.gelu(lp))
    c("lp_relu")(lambda x, y, lp: F.relu(lp))
    c("lp_tanh")(lambda x, y, lp: torch.tanh(lp))
    c("lp_sigmoid")(lambda x, y, lp: torch.sigmoid(lp))
    c("lp_rsqrt")(lambda x, y, lp: torch.rsqrt(lp.abs() + 1))
    c("lp_reciprocal")(lambda x, y, lp: torch.reciprocal(lp))
    c("lp_normalize")(lambda x, y, lp: F.normalize(lp))
    c("lp_cdist")(lambda x, y, lp: torch.cdist(lp, lp))
    c("lp_avg_pool2d")(lambda x, y, lp: F.avg_pool2d(lp[None, None], 2))
    c("lp_max_pool2d")(lambda x, y, lp: F.max_pool2d(lp[None, None], 2))
    c("lp_rms_norm")(lambda x, y, lp: F.rms_norm(lp, (4,)))
    c("lp_embedding")(lambda x, y, lp: F.embedding(torch.tensor([0, 1]), lp))
    c("lp_dropout")(lambda x, y, lp: F.dropout(lp, 0.0))
    c("cat_mixed")(lambda x, y, lp: torch.cat([lp, x]))
    c("stack_mixed")(lambda x, y, lp: torch.stack([lp, x]))
    c("addcmul_mixed")(lambda x, y, lp: torch.addcmul(x, lp, lp))
    c("add_mixed")(lambda x, y, lp: x + lp)
    c("where_mixed")(lambda x, y, lp: torch.where(x > 0, x, lp))
    c("index_copy_mixed")(lambda x, y, lp: x.index_copy(0, torch.tensor([0]), lp[:1]))
    c("f64_mm")(lambda x, y, lp: torch.mm(x.double(), y.double()))
    c("int_mm")(lambda x, y, lp: torch.mm(x.long(), y.long()))
    c("lp_trace")(lambda x, y, lp: torch.trace(lp))
    c("lp_fft")(lambda x, y, lp: torch.fft.fft(lp).real)
    c("lp_inverse")(lambda x, y, lp: torch.linalg.inv(lp + 4 * torch.eye(4, dtype=lp.dtype)))
    c("lp_vector_norm")(lambda x, y, lp: torch.linalg.vector_norm(lp))
    c("lp_logsumexp")(lambda x, y, lp: torch.logsumexp(lp, 0))
    c("lp_var")(lambda x, y, lp: lp.var())
    c("lp_linear_f32w")(lambda x, y, lp: F.linear(lp, y))
    c("lstm_cell")(lambda x, y, lp: _lstm_cell(torch, x, y))
    c("rnn_tanh")(lambda x, y, lp: _rnn(torch, x, y))
    return C


def _lstm_cell(torch, x, y):
    torch.manual_seed(0)
    m = torch.nn.LSTMCell(4, 4)
    return m(x)[0]


def _rnn(torch, x, y):
    m = torch.nn.RNN(4, 4)
    return m(x[None])[0]
