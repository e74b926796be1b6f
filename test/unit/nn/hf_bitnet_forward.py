"""An independent PyTorch forward of a Hugging Face BitNetForCausalLM folder,
written from transformers' modeling_bitnet.py / modeling_llama.py (no
transformers package here): the check that our training checkpoints are laid
out and mean exactly what HF says.

  /usr/bin/python3 hf_bitnet_forward.py MODEL.safetensors CONFIG.json fp|w158a8 < ids.json > logits.f32

stdin: {"ids": [[...], ...]} (b sequences of equal length t). stdout: raw
float32 logits [b, t, vocab]. Mode w158a8 is transformers' AutoBitLinear in
online mode (integrations/bitnet.py): absmean ternary weights and per-token
absmax int8 activations, fake-quantized in float32; fp is plain nn.Linear.

  /usr/bin/python3 hf_bitnet_forward.py rope < {"x": [b, t, heads, dh] nested, "dy": same, "theta": θ}

prints float32 rope(x) then d(Σ dy·rope(x))/dx, both [b, t, heads, dh].
"""
import json
import struct
import sys

import torch

DT = {'F32': torch.float32, 'F16': torch.float16, 'BF16': torch.bfloat16}


def read_safetensors(path):
    with open(path, 'rb') as f:
        n = struct.unpack('<Q', f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, e in header.items():
        if name == '__metadata__':
            continue
        a, b = e['data_offsets']
        out[name] = torch.frombuffer(bytearray(data[a:b]), dtype=DT[e['dtype']]).reshape(e['shape']).float()
    return out


# --- LlamaRotaryEmbedding (default rope type) + apply_rotary_pos_emb -------------
def rotary(theta, dh, t):
    inv_freq = 1.0 / (theta ** (torch.arange(0, dh, 2, dtype=torch.int64).float() / dh))
    pos = torch.arange(t)[None, :]
    freqs = (inv_freq[None, :, None].float() @ pos[:, None, :].float()).transpose(1, 2)
    emb = torch.cat((freqs, freqs), dim=-1)
    return emb.cos(), emb.sin()  # [1, t, dh]


def rotate_half(x):
    x1 = x[..., : x.shape[-1] // 2]
    x2 = x[..., x.shape[-1] // 2:]
    return torch.cat((-x2, x1), dim=-1)


def apply_rope(x, cos, sin):  # x [b, heads, t, dh]
    return x * cos.unsqueeze(1) + rotate_half(x) * sin.unsqueeze(1)


# --- BitNet pieces --------------------------------------------------------------
def rms_norm(x, w, eps):
    return w * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps))


def weight_quant(w):
    s = 1.0 / w.abs().mean().clamp(min=1e-5)
    return (w * s).round().clamp(-1, 1) / s


def act_quant(x):
    s = 127.0 / x.abs().max(dim=-1, keepdim=True).values.clamp(min=1e-5)
    return (x * s).round().clamp(-128, 127) / s


def forward(W, cfg, ids, quant):
    d = cfg['hidden_size']
    H = cfg['num_attention_heads']
    KV = cfg['num_key_value_heads']
    dh = d // H
    eps = cfg['rms_norm_eps']
    b, t = ids.shape

    def lin(x, name):
        w = W[name]
        if quant:
            x, w = act_quant(x), weight_quant(w)
        return torch.nn.functional.linear(x, w)

    act = {'relu2': lambda g: torch.relu(g).square(), 'silu': torch.nn.functional.silu}[cfg['hidden_act']]
    cos, sin = rotary(cfg['rope_theta'], dh, t)
    mask = torch.full((t, t), float('-inf')).triu(1)
    x = W['model.embed_tokens.weight'][ids]
    for l in range(cfg['num_hidden_layers']):
        p = f'model.layers.{l}.'
        n = rms_norm(x, W[p + 'input_layernorm.weight'], eps)
        q = lin(n, p + 'self_attn.q_proj.weight').view(b, t, H, dh).transpose(1, 2)
        k = lin(n, p + 'self_attn.k_proj.weight').view(b, t, KV, dh).transpose(1, 2)
        v = lin(n, p + 'self_attn.v_proj.weight').view(b, t, KV, dh).transpose(1, 2)
        q, k = apply_rope(q, cos, sin), apply_rope(k, cos, sin)
        k = k.repeat_interleave(H // KV, dim=1)  # repeat_kv
        v = v.repeat_interleave(H // KV, dim=1)
        att = torch.softmax(q @ k.transpose(2, 3) * dh ** -0.5 + mask, dim=-1, dtype=torch.float32)
        a = (att @ v).transpose(1, 2).reshape(b, t, d)
        x = x + lin(rms_norm(a, W[p + 'self_attn.attn_sub_norm.weight'], eps), p + 'self_attn.o_proj.weight')
        n2 = rms_norm(x, W[p + 'post_attention_layernorm.weight'], eps)
        m = act(lin(n2, p + 'mlp.gate_proj.weight')) * lin(n2, p + 'mlp.up_proj.weight')
        x = x + lin(rms_norm(m, W[p + 'mlp.ffn_sub_norm.weight'], eps), p + 'mlp.down_proj.weight')
    h = rms_norm(x, W['model.norm.weight'], eps)
    head = W['model.embed_tokens.weight'] if cfg['tie_word_embeddings'] else W['lm_head.weight']
    return torch.nn.functional.linear(h, head)  # lm_head is never quantized


def main():
    req = json.loads(sys.stdin.read())
    if sys.argv[1] == 'rope':
        x = torch.tensor(req['x'], dtype=torch.float32, requires_grad=True)
        dy = torch.tensor(req['dy'], dtype=torch.float32)
        _, t, _, dh = x.shape
        cos, sin = rotary(req['theta'], dh, t)
        y = apply_rope(x.transpose(1, 2), cos, sin).transpose(1, 2)
        (y * dy).sum().backward()
        sys.stdout.buffer.write(torch.cat([y.detach().flatten(), x.grad.flatten()]).numpy().tobytes())
        return
    W = read_safetensors(sys.argv[1])
    with open(sys.argv[2]) as f:
        cfg = json.load(f)
    with torch.no_grad():
        logits = forward(W, cfg, torch.tensor(req['ids'], dtype=torch.int64), sys.argv[3] == 'w158a8')
    sys.stdout.buffer.write(logits.float().contiguous().numpy().tobytes())


if __name__ == '__main__':
    main()
