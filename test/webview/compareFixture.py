# Makes the synthetic checkpoint behind test/fixtures/reports/compare-llama-1024x4.json:
# a Llama-shaped model (hidden 1024, MLP 2816, 4 layers, vocab 2048), F16,
# Gaussian weights (σ = 0.02, seed 0). The fixture is then the real output of
#   /usr/bin/python3 test/webview/compareFixture.py /tmp/llama-1024x4.safetensors
#   cd /tmp && bitnet-lab compare llama-1024x4.safetensors --repeats 9 --max-layers 12 --json
# (timings and memory are whatever the machine measured that day).
import json, struct, sys
import numpy as np

rng = np.random.default_rng(0)
H, I, L, V = 1024, 2816, 4, 2048
tensors = {'model.embed_tokens.weight': (rng.standard_normal((V, H)) * 0.02).astype(np.float16)}
for l in range(L):
    p = f'model.layers.{l}.'
    for n in ['q_proj', 'k_proj', 'v_proj', 'o_proj']:
        tensors[p + f'self_attn.{n}.weight'] = (rng.standard_normal((H, H)) * 0.02).astype(np.float16)
    tensors[p + 'mlp.gate_proj.weight'] = (rng.standard_normal((I, H)) * 0.02).astype(np.float16)
    tensors[p + 'mlp.up_proj.weight'] = (rng.standard_normal((I, H)) * 0.02).astype(np.float16)
    tensors[p + 'mlp.down_proj.weight'] = (rng.standard_normal((H, I)) * 0.02).astype(np.float16)
    tensors[p + 'input_layernorm.weight'] = np.ones(H, np.float16)
    tensors[p + 'post_attention_layernorm.weight'] = np.ones(H, np.float16)
tensors['model.norm.weight'] = np.ones(H, np.float16)
tensors['lm_head.weight'] = (rng.standard_normal((V, H)) * 0.02).astype(np.float16)

header, blobs, off = {}, [], 0
for k, v in tensors.items():
    b = v.tobytes()
    header[k] = {'dtype': 'F16', 'shape': list(v.shape), 'data_offsets': [off, off + len(b)]}
    off += len(b)
    blobs.append(b)
h = json.dumps(header).encode()
h += b' ' * ((8 - len(h) % 8) % 8)
with open(sys.argv[1], 'wb') as f:
    f.write(struct.pack('<Q', len(h)))
    f.write(h)
    for b in blobs:
        f.write(b)
