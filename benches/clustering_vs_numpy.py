#!/usr/bin/env python3
"""Side by side: the NumPy reference hub-and-spoke (`../shared/perf/anchor_bench.py`) and
infin8's `cluster_hub_spoke` (through `examples/cluster.rs`) on the same datasets, same threads.

For each dataset it prints both wall times and CPU times (user + system, all threads: on a machine
shared with other work, CPU time is what tells how fast each would be on a quiet one), the ratios
(NumPy / Rust), whether the assignments are
identical (rows whose hub differs are listed with how close their pairs sit to the threshold:
pairs within 1e-5 of it may legitimately differ by f32 rounding), and Rust's peak RSS against the
size of the input matrix.

Datasets (generated once into --data-dir, never committed):
  std    make_vectors.py, topics = N/50 (the reference README's sets)
  dense  make_vectors.py with topics = N/14 on 90% of the rows, plus 10% noise rows
         (uniform on the sphere, singletons): what real keyword exports look like
  commonA  make_vectors.py --common A with topics = N/2: anisotropic (A=1.0: median pair cosine
         ~0.5, like real single-niche sentence embeddings; A=1.7: ~0.74, most pairs at the threshold)

Usage (see benches/clustering_vs_numpy.sh, which sets up the venv and builds the example):
  python benches/clustering_vs_numpy.py --sets std:10000:384,dense:100000:1536 --threads 2
"""
import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np

THRESHOLD = 0.75


def make_dataset(kind, n, d, out, perf_dir, seed=42):
    if os.path.exists(os.path.join(out, "vectors.npy")):
        return
    gen = os.path.join(perf_dir, "make_vectors.py")
    if kind == "std":
        subprocess.run([sys.executable, gen, "--n", str(n), "--d", str(d), "--topics", str(n // 50),
                        "--seed", str(seed), "--out", out], check=True, stdout=subprocess.DEVNULL)
        return
    if kind.startswith("common"):
        # Anisotropic: one direction shared by every point (the generator's --common), topics N/2
        # as in ../shared/perf/README.md's anisotropic set.
        subprocess.run([sys.executable, gen, "--n", str(n), "--d", str(d), "--topics", str(n // 2),
                        "--common", kind[len("common"):], "--seed", str(seed), "--out", out],
                       check=True, stdout=subprocess.DEVNULL)
        return
    # dense: 90% topic rows at one topic per ~14 keywords, 10% noise rows.
    n_noise = n // 10
    n_topic = n - n_noise
    tmp = out + ".topics"
    subprocess.run([sys.executable, gen, "--n", str(n_topic), "--d", str(d), "--topics", str(n // 14),
                    "--seed", str(seed), "--out", tmp], check=True, stdout=subprocess.DEVNULL)
    X = np.load(os.path.join(tmp, "vectors.npy"))
    rows = [line.rstrip("\n").split(",") for line in open(os.path.join(tmp, "keywords.csv"))][1:]
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(7, d)))
    noise = rng.standard_normal((n_noise, d), dtype=np.float32)
    noise /= np.linalg.norm(noise, axis=1, keepdims=True)
    rs = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(8,)))  # independent of d
    noise_vol = np.maximum(10, np.rint(rs.lognormal(5.0, 1.5, size=n_noise))).astype(np.int64)
    perm = rs.permutation(n)
    vol = np.concatenate([np.array([int(r[1]) for r in rows]), noise_vol])[perm]
    topic = np.concatenate([np.array([int(r[2]) for r in rows]),
                            (n // 14) + np.arange(n_noise)])[perm]
    os.makedirs(out, exist_ok=True)
    Xall = np.concatenate([X, noise])[perm]
    del X, noise
    np.save(os.path.join(out, "vectors.npy"), Xall)
    with open(os.path.join(out, "keywords.csv"), "w") as f:
        f.write("keyword,volume,topic\n")
        for i in range(n):
            f.write(f"kw_{i:06d},{vol[i]},{topic[i]}\n")
    with open(os.path.join(out, "meta.json"), "w") as f:
        json.dump({"n": n, "d": d, "kind": kind, "topics": n // 14, "noise_rows": n_noise}, f)
    for name in os.listdir(tmp):
        os.remove(os.path.join(tmp, name))
    os.rmdir(tmp)


def hub_labels(labels, vol):
    """Cluster ids -> the row index of each row's hub (first member in volume order)."""
    order = np.argsort(-vol, kind="stable")
    rank = np.empty(len(vol), dtype=np.int64)
    rank[order] = np.arange(len(vol))
    hub_of_cluster = {}
    for r in order:  # volume order: the first member seen is the hub
        hub_of_cluster.setdefault(int(labels[r]), int(r))
    return np.array([hub_of_cluster[int(c)] for c in labels], dtype=np.int64)


def run_numpy(data, perf_dir, threads):
    code = f"""
import sys, time, json, numpy as np
sys.path.insert(0, {perf_dir!r})
from anchor_bench import load, hub_spoke, _rss_mb
X, vol, topic = load({data!r})
base = _rss_mb()
t0, c0 = time.perf_counter(), time.process_time()
lab, _ = hub_spoke(X, vol)
dt, cpu = time.perf_counter() - t0, time.process_time() - c0
np.save({os.path.join(data, 'numpy_labels.npy')!r}, lab)
print('RESULT ' + json.dumps({{'seconds': dt, 'cpu_seconds': cpu, 'peak_rss_mb': _rss_mb(), 'rss_before_mb': base}}))
"""
    env = dict(os.environ)
    for v in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        env[v] = str(threads)
    r = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    line = [l for l in r.stdout.splitlines() if l.startswith("RESULT ")][-1]
    return json.loads(line[7:]), np.load(os.path.join(data, "numpy_labels.npy"))


def run_rust(data, exe, threads):
    labels = os.path.join(data, "rust_labels.txt")
    cmd = [exe, os.path.join(data, "keywords.csv"), "--vectors", os.path.join(data, "vectors.npy"),
           "--no-filter", "--no-output", "--threshold", str(THRESHOLD), "--threads", str(threads),
           "--labels", labels]
    r = subprocess.run(cmd, capture_output=True, text=True, check=True)
    line = [l for l in r.stdout.splitlines() if l.startswith("RESULT ")][-1]
    return json.loads(line[7:]), np.loadtxt(labels, dtype=np.int64)


def explain(diff, a, b, X, limit=5):
    """For differing rows, how far from the threshold their hub pairs are."""
    out = []
    for r in diff[:limit]:
        ca = float(X[r] @ X[a[r]]) if a[r] != r else None
        cb = float(X[r] @ X[b[r]]) if b[r] != r else None
        out.append({"row": int(r), "numpy_hub": int(a[r]), "cos_numpy_hub": ca,
                    "rust_hub": int(b[r]), "cos_rust_hub": cb})
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--sets", default="std:10000:384,std:10000:1536,dense:10000:1536")
    ap.add_argument("--data-dir", default="/tmp/infin8-cluster-data")
    ap.add_argument("--perf-dir", default=os.path.join(here, "..", "..", "shared", "perf"))
    ap.add_argument("--exe", default=os.path.join(os.environ.get("CARGO_TARGET_DIR", os.path.join(here, "..", "target")),
                                                  "release", "examples", "cluster"))
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=1, help="alternated runs per side; the best time is kept")
    ap.add_argument("--generate-only", action="store_true", help="only write the datasets")
    args = ap.parse_args()
    perf_dir = os.path.abspath(args.perf_dir)
    print(f"{'set':<22} {'numpy s':>9} {'rust s':>9} {'ratio':>7}  {'numpy cpu':>9} {'rust cpu':>9} {'ratio':>7}  "
          f"{'same':>5}  {'rust peak MB':>12} {'input MB':>9}")
    for spec in args.sets.split(","):
        kind, n, d = spec.split(":")
        n, d = int(n), int(d)
        data = os.path.join(args.data_dir, f"{kind}_n{n}_d{d}")
        make_dataset(kind, n, d, data, perf_dir)
        if args.generate_only:
            print(f"{spec:<22} generated in {data}", flush=True)
            continue
        # Alternated (NumPy, Rust, NumPy, Rust, ...) so both sides see the same load on a shared
        # machine; the best run of each side is kept.
        np_runs, rs_runs = [], []
        for _ in range(args.repeat):
            np_runs.append(run_numpy(data, perf_dir, args.threads))
            rs_runs.append(run_rust(data, args.exe, args.threads))
        npy_res, np_lab = min(np_runs, key=lambda r: r[0]["seconds"])
        rs_res, rs_lab = min(rs_runs, key=lambda r: r[0]["cluster_seconds"])
        vol = np.loadtxt(os.path.join(data, "keywords.csv"), delimiter=",", skiprows=1, usecols=1,
                         dtype=np.int64)
        a = hub_labels(np_lab, vol)
        diff = np.flatnonzero(a != rs_lab)
        input_mb = n * d * 4 / 2**20
        ratio = npy_res["seconds"] / max(rs_res["cluster_seconds"], 1e-9)
        ncpu, rcpu = npy_res.get("cpu_seconds") or 0.0, rs_res.get("cluster_cpu_seconds") or 0.0
        cpu_ratio = ncpu / max(rcpu, 1e-9)
        print(f"{spec:<22} {npy_res['seconds']:>9.3f} {rs_res['cluster_seconds']:>9.3f} {ratio:>6.2f}x  "
              f"{ncpu:>9.2f} {rcpu:>9.2f} {cpu_ratio:>6.2f}x  "
              f"{'yes' if diff.size == 0 else diff.size:>5}  {rs_res.get('peak_rss_mb') or 0:>12} {input_mb:>9.0f}",
              flush=True)
        if diff.size:
            X = np.load(os.path.join(data, "vectors.npy"), mmap_mode="r")
            print("   differing rows:", json.dumps(explain(diff, a, rs_lab, X)))


if __name__ == "__main__":
    main()
