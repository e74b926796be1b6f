#!/usr/bin/env python3
"""BitNet b1.58 language-model training with PyTorch DDP, written by bitnet-lab.

Launch it from the run folder with torchrun, on one machine or many:

    torchrun --nproc_per_node 2 train_bitnet.py job.json
    torchrun --nnodes 4 --node_rank R --rdzv_endpoint HOST:29500 --nproc_per_node 8 train_bitnet.py job.json

Everything it trains from sits beside it in the run folder, written by bitnet-lab:
  job.json          the run: architecture, recipe, steps, batch, intervals, file names
  init.safetensors  the initial weights (so bitnet-lab's tfjs engine and this script start from one model)
  data.safetensors  the token stream already split into train / validation, the training window
                    offsets for every step ([steps, batch]: the data order) and the validation windows
So the data split, the order and the seeds live in bitnet-lab, and both engines see the same batches;
each rank takes its contiguous slice of every global batch.

What it writes (rank 0 only): metrics.jsonl in bitnet-lab's schema, <run>.safetensors (latent F32
weights, Hugging Face BitNet tensor names, [out, in]) and <run>.optim.safetensors (AdamW moments),
run.json at the end. Every file goes to a temporary name first and is renamed when complete, so a
cancel (Ctrl-C, SIGTERM from torchrun or SLURM) leaves no partial file behind.

The model is Hugging Face's BitNetForCausalLM (transformers models/bitnet/modeling_bitnet.py) with
BitNet b1.58 training-time quantization (FAQ "The Era of 1-bit LLMs: Training Tips, Code and FAQ", Fig. 3):
  h   = x + o_proj(attn_sub_norm(Attention(RoPE(q_proj(n)), RoPE(k_proj(n)), v_proj(n)))),  n = input_layernorm(x)
  out = h + down_proj(ffn_sub_norm(act(gate_proj(m)) * up_proj(m))),                     m = post_attention_layernorm(h)
Every BitLinear sees an RMS-normalised input (the block pre-norms or the sub-norms), quantizes it per token
to int8 (absmax) and its weight per tensor to {-1, 0, +1}·γ (absmean), with straight-through gradients.
Embeddings, norms and the output head stay full precision.
"""
import json
import math
import os
import secrets
import signal
import statistics
import struct
import sys
import time

import torch
import torch.distributed as dist
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.parallel import DistributedDataParallel as DDP

JOB_FORMAT = 'bitnet-lab-torchrun/1'
MIN_TORCH = (1, 13)
GAMMA_EPS = 1e-5       # γ = max(mean|W|, 1e-5), as every public BitNet code path clamps it
ACTIVATION_EPS = 1e-5  # sx = 127 / max(max|x|, 1e-5)


# ----------------------------------------------------------------------------- quantization

def weight_codes(w):
    """absmean ternary codes and γ of one weight tensor (b1.58 paper Eqs. 1-3).

    γ = max(mean|W|, 1e-5) in float64; Q = clamp(round(W/γ), -1, 1), which for ternary output is
    +1 above γ/2, -1 below -γ/2 and 0 between (an exact tie goes to 0, as torch's half-to-even round).
    Comparing in float64 decides exactly as bitnet-lab's inspector does.
    """
    w64 = w.detach().double()
    gamma = w64.abs().mean().clamp(min=GAMMA_EPS)
    codes = (w64 > gamma / 2).to(w.dtype) - (w64 < -gamma / 2).to(w.dtype)
    return codes, gamma.item()


def weight_fake_quant(w):
    codes, gamma = weight_codes(w)
    return codes * torch.tensor(gamma, dtype=w.dtype, device=w.device)


def activation_fake_quant(x):
    """Per-token absmax int8 (FAQ Fig. 3 activation_quant): Xq = clamp(round(x·sx), -128, 127), value Xq / sx."""
    sx = 127.0 / x.abs().amax(dim=-1, keepdim=True).clamp(min=ACTIVATION_EPS)
    return (x * sx).round().clamp(-128, 127) / sx


class StraightThrough(torch.autograd.Function):
    """Forward: the fake-quantized value; backward: the identity to the latent tensor
    (FAQ Fig. 3 x + (q(x) - x).detach(); transformers' WeightQuant / ActQuant return grad_output)."""

    @staticmethod
    def forward(ctx, x, quantize):
        return quantize(x)

    @staticmethod
    def backward(ctx, grad):
        return grad, None


class BitLinear(nn.Linear):
    """nn.Linear whose forward quantizes input and weight when `quantize` is on (the BitNet run);
    with it off, the same module is the full-precision baseline. The input is already normalised."""

    def __init__(self, d_in, d_out, quantize, activation_quant):
        super().__init__(d_in, d_out, bias=False)
        self.quantize = quantize
        self.activation_quant = activation_quant

    def forward(self, x):
        if not self.quantize:
            return F.linear(x, self.weight)
        if self.activation_quant:
            x = StraightThrough.apply(x, activation_fake_quant)
        return F.linear(x, StraightThrough.apply(self.weight, weight_fake_quant))


# ----------------------------------------------------------------------------- model

class RMSNorm(nn.Module):
    def __init__(self, dim, eps):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(dim))

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


def rope_tables(head_dim, positions, theta):
    """cos / sin of HF Llama-style RoPE (rotate_half pairs dimension i with i + head_dim/2)."""
    inv_freq = 1.0 / (theta ** (torch.arange(0, head_dim, 2, dtype=torch.float32) / head_dim))
    freqs = torch.outer(torch.arange(positions, dtype=torch.float32), inv_freq)
    emb = torch.cat((freqs, freqs), dim=-1)
    return emb.cos(), emb.sin()


class Attention(nn.Module):
    def __init__(self, c, quantize, aq):
        super().__init__()
        self.heads, self.kv_heads = c['num_attention_heads'], c['num_key_value_heads']
        self.head_dim = c['hidden_size'] // self.heads
        d = c['hidden_size']
        self.q_proj = BitLinear(d, self.heads * self.head_dim, quantize, aq)
        self.k_proj = BitLinear(d, self.kv_heads * self.head_dim, quantize, aq)
        self.v_proj = BitLinear(d, self.kv_heads * self.head_dim, quantize, aq)
        self.attn_sub_norm = RMSNorm(d, c['rms_norm_eps'])
        self.o_proj = BitLinear(self.heads * self.head_dim, d, quantize, aq)

    def forward(self, x, cos, sin):
        b, t, _ = x.shape
        q = self.q_proj(x).view(b, t, self.heads, self.head_dim).transpose(1, 2)
        k = self.k_proj(x).view(b, t, self.kv_heads, self.head_dim).transpose(1, 2)
        v = self.v_proj(x).view(b, t, self.kv_heads, self.head_dim).transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        # Grouped-query attention: each key/value head serves heads / kv_heads query heads (HF repeat_kv).
        group = self.heads // self.kv_heads
        k = k.repeat_interleave(group, dim=1)
        v = v.repeat_interleave(group, dim=1)
        scores = (q @ k.transpose(-2, -1)) / math.sqrt(self.head_dim)
        causal = torch.ones(t, t, dtype=torch.bool, device=x.device).triu(1)
        att = scores.masked_fill(causal, float('-inf')).softmax(dim=-1) @ v
        att = att.transpose(1, 2).reshape(b, t, self.heads * self.head_dim)
        return self.o_proj(self.attn_sub_norm(att))


class MLP(nn.Module):
    def __init__(self, c, quantize, aq):
        super().__init__()
        d, f = c['hidden_size'], c['intermediate_size']
        self.gate_proj = BitLinear(d, f, quantize, aq)
        self.up_proj = BitLinear(d, f, quantize, aq)
        self.ffn_sub_norm = RMSNorm(f, c['rms_norm_eps'])
        self.down_proj = BitLinear(f, d, quantize, aq)
        # relu2 is BitNet b1.58 2B4T's gated squared ReLU; silu gives SwiGLU (1bitLLM, Llama).
        self.act = {'relu2': lambda g: F.relu(g).square(), 'silu': F.silu}[c['hidden_act']]

    def forward(self, x):
        return self.down_proj(self.ffn_sub_norm(self.act(self.gate_proj(x)) * self.up_proj(x)))


class Block(nn.Module):
    def __init__(self, c, quantize, aq):
        super().__init__()
        self.input_layernorm = RMSNorm(c['hidden_size'], c['rms_norm_eps'])
        self.self_attn = Attention(c, quantize, aq)
        self.post_attention_layernorm = RMSNorm(c['hidden_size'], c['rms_norm_eps'])
        self.mlp = MLP(c, quantize, aq)

    def forward(self, x, cos, sin):
        x = x + self.self_attn(self.input_layernorm(x), cos, sin)
        return x + self.mlp(self.post_attention_layernorm(x))


class Decoder(nn.Module):
    def __init__(self, c, quantize, aq):
        super().__init__()
        self.embed_tokens = nn.Embedding(c['vocab_size'], c['hidden_size'])
        self.layers = nn.ModuleList([Block(c, quantize, aq) for _ in range(c['num_hidden_layers'])])
        self.norm = RMSNorm(c['hidden_size'], c['rms_norm_eps'])


class BitNetForCausalLM(nn.Module):
    """Parameter names are those of transformers' BitNetForCausalLM, so state_dict() is an HF checkpoint."""

    def __init__(self, c, quantize, activation_quant):
        super().__init__()
        self.config = c
        self.model = Decoder(c, quantize, activation_quant)
        self.lm_head = nn.Linear(c['hidden_size'], c['vocab_size'], bias=False)
        if c.get('tie_word_embeddings'):
            self.lm_head.weight = self.model.embed_tokens.weight
        cos, sin = rope_tables(c['hidden_size'] // c['num_attention_heads'], c['max_position_embeddings'], c['rope_theta'])
        self.register_buffer('rope_cos', cos, persistent=False)
        self.register_buffer('rope_sin', sin, persistent=False)

    def forward(self, ids):
        t = ids.shape[1]
        cos, sin = self.rope_cos[:t], self.rope_sin[:t]
        x = self.model.embed_tokens(ids)
        for layer in self.model.layers:
            x = layer(x, cos, sin)
        return self.lm_head(self.model.norm(x))


def loss_of(model, inputs, targets, reduction='mean'):
    logits = model(inputs)
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]).float(), targets.reshape(-1), reduction=reduction)


# ----------------------------------------------------------------------------- schedule

def lr_at(s, step):
    """Two-stage linear schedule (bitnet-reference.md §2.1, FAQ Table 2): warm-up to the peak, linear decay
    to finalLrFraction of the stage peak; from the midpoint the whole line drops to the second peak."""
    peak = s['secondPeakLr'] if step >= s['steps'] // 2 else s['peakLr']
    if step < s['warmupSteps']:
        return s['peakLr'] * (step + 1) / s['warmupSteps']
    span = max(1, s['steps'] - 1 - s['warmupSteps'])
    progress = min(1.0, (step - s['warmupSteps']) / span)
    return peak * (1 - (1 - s['finalLrFraction']) * progress)


def weight_decay_at(s, step):
    """Weight decay 0.1 in stage 1 and 0 in stage 2 for BitNet (the FAQ: decay makes ternary codes flip)."""
    return s['secondStageWeightDecay'] if step >= s['steps'] // 2 else s['weightDecay']


# ----------------------------------------------------------------------------- safetensors by hand

ST_DTYPES = {'F32': torch.float32, 'F64': torch.float64, 'I32': torch.int32, 'I64': torch.int64, 'U8': torch.uint8}


def read_safetensors(path):
    """(tensors, metadata) of a safetensors file (8-byte little-endian header length, JSON header, data)."""
    with open(path, 'rb') as f:
        blob = f.read()
    (n,) = struct.unpack('<Q', blob[:8])
    header = json.loads(blob[8:8 + n])
    meta = header.pop('__metadata__', {})
    base = 8 + n
    out = {}
    for name, e in header.items():
        begin, end = e['data_offsets']
        dtype = ST_DTYPES[e['dtype']]
        t = torch.frombuffer(bytearray(blob[base + begin:base + end]), dtype=dtype) if end > begin else torch.empty(0, dtype=dtype)
        out[name] = t.reshape(e['shape'])
    return out, meta


def safetensors_bytes(tensors, metadata):
    """F32 tensors sorted by name, header padded with spaces to 8 bytes, as chunks of one file."""
    names = sorted(tensors)
    header = {'__metadata__': metadata}
    blobs, pos = [], 0
    for name in names:
        b = tensors[name].detach().to('cpu', torch.float32).contiguous().numpy().tobytes()
        header[name] = {'dtype': 'F32', 'shape': list(tensors[name].shape), 'data_offsets': [pos, pos + len(b)]}
        blobs.append(b)
        pos += len(b)
    h = json.dumps(header, separators=(',', ':')).encode('utf-8')
    h += b' ' * ((8 - len(h) % 8) % 8)
    return [struct.pack('<Q', len(h)), h] + blobs


def write_atomic(path, chunks):
    """Temp file in the same folder (named as bitnet-lab names its own), fsync, rename: complete or absent."""
    write_atomic_together([(path, chunks)])


def write_atomic_together(files):
    """Every file to its temporary name (fsync) first, then all renamed with SIGINT/SIGTERM held back.
    A cancel then lands before the renames or after them, never between: files that belong together
    (a checkpoint's weights and its AdamW moments) are always from the same step, so it can be resumed."""
    tmps = []
    try:
        for path, chunks in files:
            d, base = os.path.split(path)
            tmp = os.path.join(d, f'.{base}.{os.getpid()}-{secrets.token_hex(4)}.tmp')
            tmps.append(tmp)
            with open(tmp, 'wb') as f:
                for c in chunks:
                    f.write(c)
                f.flush()
                os.fsync(f.fileno())
        can_hold = hasattr(signal, 'pthread_sigmask')  # not on Windows, where the window stays open
        held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM}) if can_hold else None
        try:
            for (path, _), tmp in zip(files, tmps):
                os.replace(tmp, path)
        finally:
            if can_hold:
                signal.pthread_sigmask(signal.SIG_SETMASK, held)
    finally:
        for tmp in tmps:
            if os.path.exists(tmp):
                os.remove(tmp)


# ----------------------------------------------------------------------------- training

class Run:
    """One model being trained (the BitNet run, or the full-precision baseline on the same batches)."""

    def __init__(self, spec, job, init, device, ddp):
        self.name = spec['name']
        self.schedule = spec['schedule']
        self.metadata = spec['checkpointMetadata']
        self.model = BitNetForCausalLM(job['model'], spec['quantize'], job['activationQuant']).to(device)
        load_weights(self.model, init)
        decayed = set(job['decayedParams'])
        named = dict(self.model.named_parameters())
        groups = [{'params': [p for n, p in named.items() if n in decayed]},
                  {'params': [p for n, p in named.items() if n not in decayed], 'weight_decay': 0.0}]
        a = job['adam']
        self.opt = torch.optim.AdamW(groups, lr=0.0, betas=(a['beta1'], a['beta2']), eps=a['eps'], weight_decay=0.0)
        self.ddp = DDP(self.model) if ddp else self.model
        self.previous_codes = {}
        self.seconds = 0.0
        self.step_ms = []
        self.loss_since_log, self.loss_since_eval = [], []
        self.last_eval = None
        self.last_train_loss = None

    def bitlinear_weights(self):
        return [(n, m.weight) for n, m in self.model.named_modules() if isinstance(m, BitLinear)]

    def layer_stats(self):
        """Sparsity, γ and the share of codes flipped since the previous evaluation, per BitLinear weight."""
        out = []
        for name, w in self.bitlinear_weights():
            codes, gamma = weight_codes(w)
            prev = self.previous_codes.get(name)
            flip = None if prev is None else (codes != prev).double().mean().item()
            self.previous_codes[name] = codes
            out.append({'name': f'{name}.weight', 'sparsity': (codes == 0).double().mean().item(), 'gamma': gamma, 'flipRate': flip})
        return out


def load_weights(model, tensors):
    """Copies every parameter from `tensors` (a tied head is the embedding, so it is named once)."""
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name not in tensors:
                raise SystemExit(f'error: the weights file has no tensor {name} (shape {list(p.shape)})')
            if list(tensors[name].shape) != list(p.shape):
                raise SystemExit(f'error: tensor {name} has shape {list(tensors[name].shape)}, the model needs {list(p.shape)}')
            p.copy_(tensors[name])


def load_optimizer(run, tensors, adam_step):
    named = dict(run.model.named_parameters())
    for name, p in named.items():
        run.opt.state[p] = {'step': torch.tensor(float(adam_step)),
                            'exp_avg': tensors[f'm.{name}'].to(p.device).clone(),
                            'exp_avg_sq': tensors[f'v.{name}'].to(p.device).clone()}


def save_run(folder, run, step):
    meta = dict(run.metadata, **{'bitnet_lab.step': str(step)})
    weights = {n: p for n, p in run.model.named_parameters()}
    moments = {}
    for n, p in weights.items():
        st = run.opt.state.get(p, {})
        moments[f'm.{n}'] = st.get('exp_avg', torch.zeros_like(p))
        moments[f'v.{n}'] = st.get('exp_avg_sq', torch.zeros_like(p))
    adam_step = int(next(iter(run.opt.state.values()))['step']) if run.opt.state else 0
    write_atomic_together([
        (os.path.join(folder, f'{run.name}.optim.safetensors'), safetensors_bytes(moments, dict(meta, **{'bitnet_lab.adam_step': str(adam_step)}))),
        (os.path.join(folder, f'{run.name}.safetensors'), safetensors_bytes(weights, meta)),
    ])


def windows(tokens, starts, context, device):
    """Rows tokens[s : s + context] as inputs and tokens[s + 1 : s + context + 1] as targets."""
    idx = starts.long().unsqueeze(1) + torch.arange(context + 1).unsqueeze(0)
    rows = tokens[idx].long()
    return rows[:, :-1].to(device), rows[:, 1:].to(device)


@torch.no_grad()
def evaluate(run, data, job, rank, world, device):
    """Mean validation cross-entropy over every validation window; the windows are shared out over the ranks."""
    starts = data['val_windows'][rank::world]
    total = torch.zeros(2, dtype=torch.float64, device=device)
    for i in range(0, len(starts), job['evalBatch']):
        x, y = windows(data['val_tokens'], starts[i:i + job['evalBatch']], job['context'], device)
        total[0] += loss_of(run.model, x, y, reduction='sum').double()
        total[1] += y.numel()
    if world > 1:
        dist.all_reduce(total)
    return (total[0] / total[1]).item()


def mean(xs):
    return sum(xs) / len(xs) if xs else None


def main(job_path):
    folder = os.path.dirname(os.path.abspath(job_path))
    with open(job_path) as f:
        job = json.load(f)
    if job.get('format') != JOB_FORMAT:
        raise SystemExit(f'error: {job_path} is not a bitnet-lab torchrun job (format {job.get("format")!r})')

    # torchrun sets these; a plain `python train_bitnet.py job.json` is a world of one.
    world = int(os.environ.get('WORLD_SIZE', '1'))
    rank = int(os.environ.get('RANK', '0'))
    local_rank = int(os.environ.get('LOCAL_RANK', '0'))
    cuda = torch.cuda.is_available()
    device = torch.device(f'cuda:{local_rank}') if cuda else torch.device('cpu')
    backend = 'nccl' if cuda else 'gloo'
    if cuda:
        torch.cuda.set_device(device)
    if world > 1:
        dist.init_process_group(backend)
    torch.manual_seed(job['seed'])  # nothing here draws random numbers; seeded so nothing could differ by rank

    B, T, steps = job['batchSize'], job['context'], job['steps']
    if B % world != 0:
        raise SystemExit(f'error: batch size {B} is not a multiple of the world size {world}')
    per_rank = B // world
    data, _ = read_safetensors(os.path.join(folder, job['files']['data']))
    resume = job.get('resumeStep', 0)
    runs = []
    for spec in job['runs']:
        if resume:
            weights, meta = read_safetensors(os.path.join(folder, f'{spec["name"]}.safetensors'))
            moments, ometa = read_safetensors(os.path.join(folder, f'{spec["name"]}.optim.safetensors'))
            if int(meta['bitnet_lab.step']) != resume or int(ometa['bitnet_lab.step']) != resume:
                raise SystemExit(f'error: {spec["name"]} checkpoint is at step {meta["bitnet_lab.step"]} and its optimizer state at step '
                                 f'{ometa["bitnet_lab.step"]}; the job resumes at {resume}')
            run = Run(spec, job, weights, device, world > 1)
            load_optimizer(run, moments, int(ometa.get('bitnet_lab.adam_step', resume)))
        else:
            run = Run(spec, job, read_safetensors(os.path.join(folder, job['files']['init']))[0], device, world > 1)
        runs.append(run)

    metrics_path = os.path.join(folder, job['files']['metrics'])
    if rank == 0 and resume and os.path.exists(metrics_path):
        # Drop points after the resume step, so the resumed curve continues without duplicates.
        with open(metrics_path) as f:
            keep = [l for l in f if l.strip() and json.loads(l)['step'] <= resume]
        write_atomic(metrics_path, [''.join(keep).encode('utf-8')])
    metrics = open(metrics_path, 'a') if rank == 0 else None

    def emit(run, point):
        if metrics:
            metrics.write(json.dumps({'run': run.name, **point}) + '\n')
            metrics.flush()

    def do_eval(run, step, record):
        val = evaluate(run, data, job, rank, world, device)
        layers = run.layer_stats()
        point = {'kind': 'eval', 'step': step, 'trainLoss': mean(run.loss_since_eval), 'valLoss': val,
                 'valMetric': math.exp(val), 'metricName': 'perplexity',
                 'lr': lr_at(run.schedule, max(0, step - 1)), 'wd': weight_decay_at(run.schedule, max(0, step - 1)),
                 'seconds': run.seconds, 'layers': layers}
        run.loss_since_eval = []
        run.last_eval = point
        if record:
            emit(run, point)

    for run in runs:
        do_eval(run, resume, record=not resume)
    for step in range(resume, steps):
        rows = data['train_windows'][step][rank * per_rank:(rank + 1) * per_rank]
        x, y = windows(data['train_tokens'], rows, T, device)
        for run in runs:
            t0 = time.perf_counter()
            lr, wd = lr_at(run.schedule, step), weight_decay_at(run.schedule, step)
            run.opt.param_groups[0]['lr'] = run.opt.param_groups[1]['lr'] = lr
            run.opt.param_groups[0]['weight_decay'] = wd
            loss = loss_of(run.ddp, x, y)  # DDP averages the gradients over the ranks: the global batch mean
            run.opt.zero_grad(set_to_none=True)
            loss.backward()
            run.opt.step()
            global_loss = loss.detach().clone()
            if world > 1:
                dist.all_reduce(global_loss)
                global_loss /= world
            run.seconds += time.perf_counter() - t0
            run.step_ms.append(1000 * (time.perf_counter() - t0))
            run.last_train_loss = global_loss.item()
            run.loss_since_log.append(run.last_train_loss)
            run.loss_since_eval.append(run.last_train_loss)
        done = step + 1
        for run in runs:
            if done % job['logEvery'] == 0:
                emit(run, {'kind': 'train', 'step': done, 'loss': mean(run.loss_since_log),
                           'lr': lr_at(run.schedule, step), 'wd': weight_decay_at(run.schedule, step)})
                run.loss_since_log = []
            if done % job['evalEvery'] == 0 or done == steps:
                do_eval(run, done, record=True)
        if rank == 0 and ((job['checkpointEvery'] > 0 and done % job['checkpointEvery'] == 0) or done == steps):
            for run in runs:
                save_run(folder, run, done)
        if world > 1 and job['checkpointEvery'] > 0 and done % job['checkpointEvery'] == 0:
            dist.barrier()  # no rank runs ahead of a checkpoint another may resume from

    if rank == 0:
        write_run_json(folder, job, runs, world, backend, device, resume)
        metrics.close()
    if world > 1:
        dist.barrier()
        dist.destroy_process_group()


def write_run_json(folder, job, runs, world, backend, device, resume):
    def summary(run):
        ev = run.last_eval
        return {'steps': job['steps'], 'seconds': run.seconds,
                'finalTrainLoss': ev['trainLoss'] if ev['trainLoss'] is not None else run.last_train_loss,
                'finalValLoss': ev['valLoss'], 'finalValMetric': ev['valMetric'], 'metricName': 'perplexity',
                'msPerStep': statistics.median(run.step_ms) if run.step_ms else None,
                'checkpoint': os.path.join(folder, f'{run.name}.safetensors')}
    result = {
        'config': job['record']['config'], 'backend': f'torch {torch.__version__} {device.type} {backend}',
        'dataset': job['record']['dataset'], 'runs': {run.name: summary(run) for run in runs}, 'startStep': resume,
        'engine': 'torchrun', 'worldSize': world, 'torchVersion': torch.__version__, 'device': device.type,
        'distBackend': backend if world > 1 else None,
        # bitnet-lab passes the exact command it ran; a hand-launched run records its own argv.
        'launch': os.environ.get('BITNET_LAB_LAUNCH') or ' '.join(['torchrun'] + sys.argv),
    }
    write_atomic(os.path.join(folder, 'run.json'), [(json.dumps(result, indent=2) + '\n').encode('utf-8')])


def torch_version_ok(version):
    parts = version.split('+')[0].split('.')
    return tuple(int(''.join(ch for ch in p if ch.isdigit()) or 0) for p in parts[:2]) >= MIN_TORCH


def on_stop_signal(signum, frame):
    # torchrun forwards Ctrl-C as SIGINT and SLURM cancels with SIGTERM: both unwind through the
    # finally blocks above, which remove any temporary file. A terminal's Ctrl-C reaches a rank twice
    # (directly, and forwarded by torchrun): later signals are ignored so they cannot cut that cleanup short.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise KeyboardInterrupt


if __name__ == '__main__':
    if len(sys.argv) != 2:
        raise SystemExit('usage: torchrun [torchrun options] train_bitnet.py job.json')
    if not torch_version_ok(torch.__version__):
        raise SystemExit(f'error: torch {torch.__version__} is older than {".".join(map(str, MIN_TORCH))}')
    signal.signal(signal.SIGINT, on_stop_signal)
    signal.signal(signal.SIGTERM, on_stop_signal)
    try:
        main(sys.argv[1])
    except KeyboardInterrupt:
        print(f'rank {os.environ.get("RANK", "0")}: cancelled', file=sys.stderr)
        sys.exit(130)
