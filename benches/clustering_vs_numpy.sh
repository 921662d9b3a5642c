#!/usr/bin/env bash
# Side-by-side: NumPy reference hub-and-spoke vs infin8 on the same data, same thread count.
#
#   benches/clustering_vs_numpy.sh                                  # 20k sets, a few minutes
#   SETS=std:100000:1536,dense:100000:1536 benches/clustering_vs_numpy.sh   # the large sets
#   REPEAT=3 benches/clustering_vs_numpy.sh      # alternate NumPy/Rust 3 times, keep the best of each
#
# Kinds: std (topics N/50), dense (topics N/14 + 10% noise), commonA (--common A, topics N/2:
# anisotropic like real sentence embeddings; common1.0 and common1.7 are the issue's sets).
#
# Creates a venv under /tmp (numpy only), generates the datasets once under $DATA_DIR (never in
# the repository), builds examples/cluster in release and runs benches/clustering_vs_numpy.py.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-/tmp/infin8-cluster-venv}
DATA_DIR=${DATA_DIR:-/tmp/infin8-cluster-data}
PERF_DIR=${PERF_DIR:-../shared/perf}
SETS=${SETS:-std:20000:1536,dense:20000:1536,common1.0:20000:1536,common1.7:20000:1536}
THREADS=${THREADS:-2}
REPEAT=${REPEAT:-1}
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet numpy
fi
cargo build --release --no-default-features --example cluster -j "$THREADS"
TARGET=${CARGO_TARGET_DIR:-target}
exec "$VENV/bin/python" benches/clustering_vs_numpy.py --sets "$SETS" --data-dir "$DATA_DIR" \
  --perf-dir "$PERF_DIR" --exe "$TARGET/release/examples/cluster" --threads "$THREADS" --repeat "$REPEAT"
