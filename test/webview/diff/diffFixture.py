# Makes the two checkpoints behind test/fixtures/reports/diff-llama-8l.json:
# a Llama-shaped model (hidden 64, MLP 160, 8 layers, vocab 128, F32, Gaussian
# σ = 0.02, seed 0) and a "later training step" of it: every linear weight
# gets Gaussian noise whose size grows with depth (attention more than MLP),
# and layer 5's MLP is shrunk towards zero (more zeros after quantization).
# The fixture is then the real engine's output:
#   /usr/bin/python3 test/webview/diff/diffFixture.py /tmp/diffA.safetensors /tmp/diffB.safetensors
#   cd /tmp && node /work/main/dist/cli.js diff diffA.safetensors diffB.safetensors --json > diff-llama-8l.json
import json, struct, sys
import numpy as np

rng = np.random.default_rng(0)
H, I, L, V = 64, 160, 8, 128
a = {'model.embed_tokens.weight': rng.standard_normal((V, H)) * 0.02}
for l in range(L):
    p = f'model.layers.{l}.'
    for n in ['q_proj', 'k_proj', 'v_proj', 'o_proj']:
        a[p + f'self_attn.{n}.weight'] = rng.standard_normal((H, H)) * 0.02
    a[p + 'mlp.gate_proj.weight'] = rng.standard_normal((I, H)) * 0.02
    a[p + 'mlp.up_proj.weight'] = rng.standard_normal((I, H)) * 0.02
    a[p + 'mlp.down_proj.weight'] = rng.standard_normal((H, I)) * 0.02
    a[p + 'input_layernorm.weight'] = np.ones(H)
    a[p + 'post_attention_layernorm.weight'] = np.ones(H)
a['model.norm.weight'] = np.ones(H)
a['lm_head.weight'] = rng.standard_normal((V, H)) * 0.02

b = {}
for k, v in a.items():
    if '_proj' not in k:
        b[k] = v.copy()
        continue
    layer = int(k.split('.')[2])
    scale = 0.002 * (1 + layer) * (1.5 if 'self_attn' in k else 1.0)
    w = v + rng.standard_normal(v.shape) * scale
    if layer == 5 and '.mlp.' in k:
        w = w * np.where(np.abs(w) < 0.02, 0.3, 1.0)
    b[k] = w

def write(path, tensors):
    header, blobs, off = {'__metadata__': {'generator': 'test/webview/diff/diffFixture.py'}}, [], 0
    for k, v in tensors.items():
        raw = v.astype(np.float32).tobytes()
        header[k] = {'dtype': 'F32', 'shape': list(v.shape), 'data_offsets': [off, off + len(raw)]}
        off += len(raw)
        blobs.append(raw)
    h = json.dumps(header).encode()
    h += b' ' * ((8 - len(h) % 8) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(h)))
        f.write(h)
        for raw in blobs:
            f.write(raw)

write(sys.argv[1], a)
write(sys.argv[2], b)
