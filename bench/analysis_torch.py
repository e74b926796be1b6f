"""PyTorch baseline for bench/analysis.mjs: the same per-tensor computation as
bitnet-lab's streaming analysis (absmean γ, ternary codes, zero/+1/−1 counts,
relative RMSE, cosine, SQNR, min/max/mean/std, 64-bin histogram) on the same
safetensors file, one tensor at a time (read, convert to float32, reduce).

usage: /usr/bin/python3 bench/analysis_torch.py FILE  → one JSON line on stdout
"""
import json
import resource
import struct
import sys
import time

import torch

DTYPES = {"BF16": torch.bfloat16, "F16": torch.float16, "F32": torch.float32}


def stats(w: torch.Tensor) -> dict:
    """Written for speed on CPU: in-place ops, no boolean temporaries (comparisons
    and bool reductions are slow in this build), error and counts from the same
    sums the JS engine uses: with q ∈ {−1, 0, 1}, zeros = n − Σ|q|,
    plus/minus = (Σ|q| ± Σq)/2, ‖W − qγ‖² = ‖W‖² − 2γ·(W·q) + γ²·Σ|q|."""
    n = w.numel()
    gamma = max(w.abs().mean().item(), 1e-5)  # BitNet b1.58 absmean (FAQ Fig. 3)
    q = w * (1.0 / gamma)
    q.round_().clamp_(-1, 1)  # torch.round: half to even
    qsum = q.sum(dtype=torch.float64).item()
    qabs = torch.abs(q).sum(dtype=torch.float64).item()  # float32 sums lose counts past 2^24
    dot = torch.dot(w, q).item()
    sig = torch.dot(w, w).item()
    err = max(sig - 2 * gamma * dot + gamma * gamma * qabs, 0.0)
    lo, hi = w.min().item(), w.max().item()
    hist = torch.histc(w, bins=64, min=lo, max=hi if hi > lo else lo + 1)
    mean = w.mean().item()
    return {
        "gamma": gamma, "zeros": int(round(n - qabs)), "plus": int(round((qabs + qsum) / 2)), "minus": int(round((qabs - qsum) / 2)),
        "relRmse": (err / sig) ** 0.5 if sig > 0 else 0.0,
        "cosine": dot / (qabs * sig) ** 0.5 if sig > 0 and qabs > 0 else 0.0,
        "mean": mean, "std": w.std(unbiased=False).item(), "min": lo, "max": hi,
        "histTotal": int(hist.sum().item()),
    }


def main(path: str) -> None:
    t0 = time.perf_counter()
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        base = 8 + n
        header.pop("__metadata__", None)
        out = {}
        total = 0
        for name, info in sorted(header.items(), key=lambda kv: kv[1]["data_offsets"][0]):
            begin, end = info["data_offsets"]
            f.seek(base + begin)
            buf = bytearray(f.read(end - begin))
            w = torch.frombuffer(buf, dtype=DTYPES[info["dtype"]]).float()
            out[name] = stats(w)
            total += end - begin
    seconds = time.perf_counter() - t0
    print(json.dumps({
        "seconds": seconds,
        "cpuSeconds": (lambda r: r.ru_utime + r.ru_stime)(resource.getrusage(resource.RUSAGE_SELF)),
        "bytes": total,
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "maxRssBytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
        "zeros": sum(s["zeros"] for s in out.values()),
        "params": sum(s["zeros"] + s["plus"] + s["minus"] for s in out.values()),
    }))


if __name__ == "__main__":
    main(sys.argv[1])
