"""Throughput baseline for bench/training.mjs: the same BitNet MLP in PyTorch.

784-256-256-10, every layer with its own input RMSNorm (eps 1e-5, learnable
gain), per-token absmax int8 activation fake-quant and absmean ternary weight
fake-quant with the straight-through estimator (FAQ Fig. 3:
x + (q(x) - x).detach()), last layer full precision, ReLU, AdamW(0.9, 0.95),
batch 128. Inputs are random (throughput only); batches are made before timing.

  /usr/bin/python3 bench/training_torch.py --steps 300 --batch 128 [--fp]
Prints one JSON line.
"""
import argparse, json, time
import torch

p = argparse.ArgumentParser()
p.add_argument('--steps', type=int, default=300)
p.add_argument('--batch', type=int, default=128)
p.add_argument('--fp', action='store_true')
a = p.parse_args()
torch.manual_seed(0)


def act_quant(x):
    s = 127.0 / x.abs().max(dim=-1, keepdim=True).values.clamp(min=1e-5)
    return (x * s).round().clamp(-128, 127) / s


def weight_quant(w):
    s = 1.0 / w.abs().mean().clamp(min=1e-5)
    return (w * s).round().clamp(-1, 1) / s


class Linear(torch.nn.Module):
    def __init__(self, i, o, quant):
        super().__init__()
        self.w = torch.nn.Parameter(torch.randn(o, i) / i ** 0.5)
        self.g = torch.nn.Parameter(torch.ones(i))
        self.quant = quant

    def forward(self, x):
        x = x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + 1e-5) * self.g
        w = self.w
        if self.quant:
            x = x + (act_quant(x) - x).detach()
            w = w + (weight_quant(w) - w).detach()
        return torch.nn.functional.linear(x, w)


sizes = [784, 256, 256, 10]
q = not a.fp
layers = torch.nn.ModuleList([Linear(sizes[i], sizes[i + 1], q and i < len(sizes) - 2) for i in range(len(sizes) - 1)])


def model(x):
    for i, l in enumerate(layers):
        x = l(x)
        if i < len(layers) - 1:
            x = torch.relu(x)
    return x


opt = torch.optim.AdamW(layers.parameters(), lr=1e-3, betas=(0.9, 0.95), weight_decay=0.1)
xs = [torch.randn(a.batch, 784) for _ in range(16)]
ys = [torch.randint(0, 10, (a.batch,)) for _ in range(16)]


def step(k):
    opt.zero_grad(set_to_none=True)
    loss = torch.nn.functional.cross_entropy(model(xs[k % 16]), ys[k % 16])
    loss.backward()
    opt.step()
    return loss


for k in range(10):
    step(k)
t0 = time.perf_counter()
for k in range(a.steps):
    step(k)
dt = time.perf_counter() - t0
print(json.dumps({'steps': a.steps, 'seconds': dt, 'steps_per_s': a.steps / dt, 'threads': torch.get_num_threads(), 'torch': torch.__version__}))
