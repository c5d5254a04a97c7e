"""Quickstart: a plain PyTorch script; `jtorch run examples/quickstart.py` runs it on JAX unchanged.

It prints the same lines under real PyTorch and under jtorch (random tensors are printed only
through their shape and dtype, since jtorch draws from JAX's PRNG).
"""

import torch

torch.manual_seed(0)

# Creating tensors
a = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
b = torch.arange(3)
r = torch.randn(2, 3)
print(a)
print(b, b.dtype)
print("randn:", tuple(r.shape), r.dtype, bool(torch.isfinite(r).all()))

# Arithmetic, broadcasting and dtype promotion
print(a + b)  # (2, 3) float + (3,) int64 -> float32
print(a * 2 - 1)
print(torch.tensor([1, 2]) / 2)  # int64 / int -> float32
print((b + 1.5).dtype, (b * 2).dtype, (a > 2).dtype)
print(torch.tensor([1, 2], dtype=torch.int32) + torch.tensor(3))  # a 0-d tensor does not widen int32

# Reductions
s = a.sum()
print(s, s.item())
print(a.mean(dim=0))
values, indices = a.max(dim=1)
print(values, indices)

# Indexing, and writing through a view
x = torch.zeros(2, 3)
v = x[0]
v.add_(1)  # v is a view of x: the write lands in x
x[1, 2] = 7
print(x)
print(x[:, 1:])
print(x[x > 0])

# Matrix multiply
m = a @ torch.ones(3, 2)
print(m, tuple(m.shape))
print(torch.matmul(a, a.T).tolist())
print(a.tolist(), b.tolist())

# A small model trained with autograd, an optimizer and a DataLoader
import io

import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

X = torch.linspace(-1, 1, 64).unsqueeze(1)
Y = 3 * X - 0.5
loader = DataLoader(TensorDataset(X, Y), batch_size=16, shuffle=True)
model = nn.Sequential(nn.Linear(1, 8), nn.Tanh(), nn.Linear(8, 1))
print(model)
opt = torch.optim.Adam(model.parameters(), lr=0.05)
first = None
for epoch in range(30):
    for xb, yb in loader:
        opt.zero_grad()
        loss = F.mse_loss(model(xb), yb)
        loss.backward()
        opt.step()
    first = loss.item() if first is None else first
print("batches per epoch:", len(loader), "loss went down:", loss.item() < first)

# Checkpoints in PyTorch's format
buf = io.BytesIO()
torch.save(model.state_dict(), buf)
buf.seek(0)
state = torch.load(buf)
print(sorted(state), state["0.weight"].shape)

# The same model compiled into one program
compiled = torch.compile(model)
with torch.no_grad():
    same = [torch.allclose(compiled(X), model(X), atol=1e-6) for _ in range(3)]
print("compiled matches eager:", all(same))

print("quickstart OK")
