"""PyTorch float32 baseline for the kernel benchmark (src/core/kernels/bench.ts).

Run as a child of the benchmark, in the same run, so its times and ours are
measured under the same machine load. Line protocol on stdin/stdout, one JSON
object per line:
  first line out: {"torch": version, "threads": n, "blas": ..., "blas_info": ..., "openblas": ...}
  in:  {"op": "prepare", "out": O, "in": I, "batch": B}            out: {"ok": true}
  in:  {"op": "time", "path": P, "repeats": R, "warmup": W}        out: {"ms": median, "cpu_ms": median}
"cpu_ms" is the process CPU time per call (every thread of this process):
steadier than wall time on a loaded machine, and with one thread the time
the call really ran.
A benchmark alternates single "time" requests with its own samples.
Two float32 paths, so the benchmark can hold us against the faster one:
  "blas":   torch.mv(W, x) at batch 1 (sgemv) and nn.Linear(in, out, bias=False) on W [out, in]
            above (aten addmm → sgemm), i.e. the BLAS torch links;
  "onednn": torch.utils.mkldnn.to_mkldnn of the same module — oneDNN's
            inner-product primitive (PyTorch's MKLDNN backend), when built in.

    /usr/bin/python3 bench/kernels_torch.py THREADS
"""
import json
import os
import re
import sys
import time

import torch
import torch.nn.functional as F
import torch.utils.mkldnn


def loaded_blas():
    """The BLAS / LAPACK shared objects this process really mapped (after a matmul), resolved through symlinks."""
    names = set()
    try:
        with open('/proc/self/maps') as maps:
            for line in maps:
                path = line.split()[-1] if len(line.split()) >= 6 else ''
                base = os.path.basename(path).lower()
                if any(k in base for k in ('blas', 'mkl', 'blis', 'lapack', 'dnnl')):
                    names.add(os.path.realpath(path))
    except OSError:
        pass
    return sorted(names)


def openblas_config(threads):
    """OpenBLAS's own words on the kernel it runs (openblas_get_config / _corename /
    _num_threads, read through ctypes from the library this process mapped), or None.

    Debian's torch calls OpenBLAS through the generic BLAS interface
    (BLAS_INFO=generic), so torch.set_num_threads never reaches it and OpenBLAS
    would run every core: its thread count is set here to the benchmark's."""
    import ctypes
    for path in loaded_blas():
        if 'openblas' not in os.path.basename(path).lower():
            continue
        try:
            lib = ctypes.CDLL(path)
            lib.openblas_get_config.restype = ctypes.c_char_p
            lib.openblas_get_corename.restype = ctypes.c_char_p
            lib.openblas_set_num_threads(threads)
            return {
                'library': path,
                'config': lib.openblas_get_config().decode().strip(),
                'core': lib.openblas_get_corename().decode().strip(),
                'threads': lib.openblas_get_num_threads(),
            }
        except (OSError, AttributeError):
            continue
    return None


def blas_info():
    show = torch.__config__.show()
    m = re.search(r'BLAS_INFO=[^,\s]*', show)
    return m.group(0) if m else 'BLAS_INFO unknown'


def median(xs):
    s = sorted(xs)
    n = len(s)
    return s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2


def main():
    threads = int(sys.argv[1]) if len(sys.argv) > 1 else 1
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    F.linear(torch.randn(2, 8), torch.randn(8, 8))  # map the BLAS before naming it
    F.linear(torch.randn(1, 8), torch.randn(8, 8))
    print(json.dumps({
        'torch': torch.__version__,
        'threads': torch.get_num_threads(),
        'blas': loaded_blas(),
        'blas_info': blas_info(),
        'onednn': torch.backends.mkldnn.is_available(),
        'openblas': openblas_config(threads),
    }), flush=True)
    paths = {}
    x = None
    for line in sys.stdin:
        if not line.strip():
            continue
        req = json.loads(line)
        if req['op'] == 'prepare':
            paths = {}
            linear = torch.nn.Linear(req['in'], req['out'], bias=False)
            linear.weight.requires_grad_(False)
            if req['batch'] == 1:
                # nn.Linear on a [1, in] input takes addmm → sgemm with m = 1, which OpenBLAS 0.3.21 runs
                # ≈ 2.3× slower here than its sgemv; torch.mv reaches sgemv, so it is the batch-1 baseline.
                weight = linear.weight
                paths['blas'] = lambda xb: torch.mv(weight, xb[0])
            else:
                paths['blas'] = linear
            if torch.backends.mkldnn.is_available():
                paths['onednn'] = torch.utils.mkldnn.to_mkldnn(linear)
            x = torch.randn(req['batch'], req['in'])
            print(json.dumps({'ok': True}), flush=True)
            continue
        f = paths[req['path']]
        with torch.no_grad():
            for _ in range(req['warmup']):
                f(x)
            samples = []
            cpu = []
            for _ in range(req['repeats']):
                c0 = time.process_time()
                t0 = time.perf_counter()
                f(x)
                samples.append((time.perf_counter() - t0) * 1e3)
                cpu.append((time.process_time() - c0) * 1e3)
        print(json.dumps({'ms': median(samples), 'cpu_ms': median(cpu)}), flush=True)


if __name__ == '__main__':
    main()
