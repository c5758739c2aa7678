#!/bin/bash
# Evaluate predictions file $1 (tag $2) on each HAND/PROTOCOL pair given after them, into $OUT (default out/s17):
#   dexgys predict --data data/dexgys-v1 --conditions 150 --samples 8 --seed 0 --out out/s17/p-capsule.json.gz
#   scripts/eval_real_hands.sh out/s17/p-capsule.json.gz capsule shadow-e3m5/dexgraspbench shadow-mesh/dexgys ...
#   python scripts/real_hand_table.py out/s17 docs/real_hand_results.json
cd "$(dirname "$0")/.."
OUT=${OUT:-out/s17}
mkdir -p "$OUT"
export OMP_NUM_THREADS=1
P=$1; T=$2; shift 2
for pair in "$@"; do
  h=${pair%/*}; p=${pair#*/}
  .venv/bin/dexgys eval $P --data data/dexgys-v1 --hand $h --protocol $p --workers 2 \
      --out "$OUT/eval-$T-$h-$p.json" --markdown "$OUT/eval-$T-$h-$p.md" > "$OUT/eval-$T-$h-$p.log" 2>&1
done
