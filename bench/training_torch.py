"""Training-step baseline for bench/training.mjs: the same BitNet models in
PyTorch, on one thread, timed step by step.

  --model mlp  784-256-256-10, every layer with its own input RMSNorm (eps
               1e-5, learnable gain), last layer full precision, ReLU, batch 128.
  --model lm   the byte-level BitNetForCausalLM of src/core/nn/transformerLm.ts
               (RoPE, GQA, relu2 / silu, sub-norms), the forward of
               scripts/fixtures/hf_bitnet_lm.py; batch 16 × context 64.

Both: per-token absmax int8 activations and absmean ternary weights with the
straight-through estimator (FAQ Fig. 3: x + (q(x) - x).detach()), AdamW
(0.9, 0.95), weight decay 0.1 on matrices only, as ours. Inputs are random
(throughput only) and made before timing.

  /usr/bin/python3 bench/training_torch.py --model lm [--d-model 128 ...] --serve
prints one JSON line describing the setup (torch version, threads, the BLAS
library actually loaded and, for OpenBLAS, the kernel it chose for this CPU), then answers each line "N" on stdin with the
per-step milliseconds of N more steps as one JSON line; "quit" ends. The
benchmark alternates these rounds with its own, so a busy machine slows
both alike.
"""
import argparse
import ctypes
import json
import os
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'scripts', 'fixtures'))
import hf_bitnet_lm as hf  # noqa: E402

p = argparse.ArgumentParser()
p.add_argument('--model', choices=['mlp', 'lm'], default='mlp')
p.add_argument('--batch', type=int)
p.add_argument('--threads', type=int, default=1)
p.add_argument('--fp', action='store_true', help='the full-precision twin (no quantization)')
p.add_argument('--d-model', type=int, default=128)
p.add_argument('--layers', type=int, default=2)
p.add_argument('--heads', type=int, default=4)
p.add_argument('--kv-heads', type=int)
p.add_argument('--ffn', type=int, default=384)
p.add_argument('--context', type=int, default=64)
p.add_argument('--act', default='relu2')
p.add_argument('--tie-embeddings', action='store_true')
p.add_argument('--serve', action='store_true')
p.add_argument('--steps', type=int, default=100, help='without --serve: time this many steps once')
a = p.parse_args()
torch.set_num_threads(a.threads)
torch.manual_seed(0)
quant = not a.fp


def blas_loaded():
    """The BLAS / LAPACK shared objects this process has mapped (after a matmul ran), and for
    OpenBLAS the kernel it picked for this CPU and its build (torch.__config__.show() only says
    "generic" for Debian's torch, which links whatever libblas.so.3 the alternatives point at)."""
    torch.randn(64, 64) @ torch.randn(64, 64)
    libs = set()
    with open('/proc/self/maps') as f:
        for line in f:
            path = line.split()[-1]
            if any(k in os.path.basename(path).lower() for k in ('blas', 'mkl', 'lapack', 'blis')):
                libs.add(os.path.realpath(path))
    openblas = None
    for lib in sorted(libs):
        try:
            so = ctypes.CDLL(lib)
            so.openblas_get_corename.restype = ctypes.c_char_p
            so.openblas_get_config.restype = ctypes.c_char_p
            openblas = {'core': so.openblas_get_corename().decode(), 'config': so.openblas_get_config().decode().strip()}
            break
        except (OSError, AttributeError):
            continue
    return sorted(libs), openblas


def mlp_setup():
    sizes = [784, 256, 256, 10]
    W = {}
    for i in range(3):
        W[f'layers.{i}.weight'] = torch.nn.Parameter(torch.randn(sizes[i + 1], sizes[i]) / sizes[i] ** 0.5)
        W[f'layers.{i}.norm.weight'] = torch.nn.Parameter(torch.ones(sizes[i]))
    batch = a.batch or 128

    def logits(x):
        for i in range(3):
            x = hf.rms_norm(x, W[f'layers.{i}.norm.weight'], 1e-5)
            w = W[f'layers.{i}.weight']
            if quant and i < 2:
                x = x + (hf.act_quant(x) - x).detach()
                w = w + (hf.weight_quant(w) - w).detach()
            x = torch.nn.functional.linear(x, w)
            if i < 2:
                x = torch.relu(x)
        return x

    data = [(torch.randn(batch, 784), torch.randint(0, 10, (batch,))) for _ in range(16)]
    return W, lambda k: torch.nn.functional.cross_entropy(logits(data[k % 16][0]), data[k % 16][1]), {'sizes': sizes, 'batch': batch}


def lm_setup():
    d, f, H = a.d_model, a.ffn, a.heads
    KV = a.kv_heads or H
    kv = KV * (d // H)
    cfg = {'hidden_size': d, 'num_attention_heads': H, 'num_key_value_heads': KV, 'rms_norm_eps': 1e-5, 'num_hidden_layers': a.layers,
           'hidden_act': a.act, 'rope_theta': 10000.0, 'tie_word_embeddings': a.tie_embeddings}
    shapes = {'model.embed_tokens.weight': (256, d), 'model.norm.weight': (d,)}
    if not a.tie_embeddings:
        shapes['lm_head.weight'] = (256, d)
    for l in range(a.layers):
        pre = f'model.layers.{l}.'
        shapes.update({pre + 'input_layernorm.weight': (d,), pre + 'self_attn.q_proj.weight': (d, d), pre + 'self_attn.k_proj.weight': (kv, d),
                       pre + 'self_attn.v_proj.weight': (kv, d), pre + 'self_attn.attn_sub_norm.weight': (d,), pre + 'self_attn.o_proj.weight': (d, d),
                       pre + 'post_attention_layernorm.weight': (d,), pre + 'mlp.gate_proj.weight': (f, d), pre + 'mlp.up_proj.weight': (f, d),
                       pre + 'mlp.ffn_sub_norm.weight': (f,), pre + 'mlp.down_proj.weight': (d, f)})
    W = {}
    for n, s in shapes.items():
        if len(s) == 1:
            W[n] = torch.nn.Parameter(torch.ones(s))
        elif 'embed' in n:
            W[n] = torch.nn.Parameter(torch.randn(s) * 0.02)
        else:
            W[n] = torch.nn.Parameter(torch.randn(s) / s[1] ** 0.5)
    batch = a.batch or 16
    data = [torch.randint(0, 256, (batch, a.context + 1)) for _ in range(16)]

    def loss(k):
        ids = data[k % 16]
        out = hf.forward(W, cfg, ids[:, :-1], quant, ste=True)
        return torch.nn.functional.cross_entropy(out.reshape(-1, 256), ids[:, 1:].reshape(-1))

    return W, loss, {**cfg, 'intermediate_size': f, 'context': a.context, 'batch': batch}


W, loss_of, described = mlp_setup() if a.model == 'mlp' else lm_setup()
matrices = [w for n, w in W.items() if w.dim() == 2 and 'embed' not in n]
others = [w for n, w in W.items() if not (w.dim() == 2 and 'embed' not in n)]
opt = torch.optim.AdamW([{'params': matrices, 'weight_decay': 0.1}, {'params': others, 'weight_decay': 0.0}], lr=1e-3, betas=(0.9, 0.95))
k = 0


def steps(n):
    global k
    ms = []
    for _ in range(n):
        t0 = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        loss_of(k).backward()
        opt.step()
        ms.append((time.perf_counter() - t0) * 1e3)
        k += 1
    return ms


steps(5)  # warm-up
blas, openblas = blas_loaded()
info = {'torch': torch.__version__, 'threads': torch.get_num_threads(), 'blas': blas, 'openblas': openblas, 'model': a.model, 'quantized': quant, 'config': described,
        'env': {v: os.environ[v] for v in ('OPENBLAS_CORETYPE', 'OPENBLAS_L2_SIZE', 'OMP_NUM_THREADS') if v in os.environ}}
if not a.serve:
    ms = steps(a.steps)
    print(json.dumps({**info, 'steps': a.steps, 'ms': ms, 'seconds': sum(ms) / 1e3, 'steps_per_s': a.steps / (sum(ms) / 1e3)}))
    sys.exit(0)
print(json.dumps(info), flush=True)
for line in sys.stdin:
    line = line.strip()
    if line == 'quit':
        break
    print(json.dumps({'ms': steps(int(line))}), flush=True)
