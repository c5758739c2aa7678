#!/bin/bash
# Evaluate predictions file $1 (tag $2) on each HAND/PROTOCOL pair given after them, against the split
# $DATA (default data/dexgys-v1), into $OUT (default out/s17):
#   dexgys predict --data data/dexgys-v1 --conditions 150 --samples 8 --seed 0 --out out/s17/p-capsule.json.gz
#   scripts/eval_real_hands.sh out/s17/p-capsule.json.gz capsule shadow-e3m5/dexgraspbench shadow-mesh/dexgys ...
#   python scripts/real_hand_table.py out/s17 docs/real_hand_results.json
# The real-mesh set: DATA=data/real-mesh-v1 OUT=out/s18 scripts/eval_real_hands.sh out/s18/real-p-capsule.json.gz real ...
cd "$(dirname "$0")/.."
OUT=${OUT:-out/s17}
DATA=${DATA:-data/dexgys-v1}
mkdir -p "$OUT"
export OMP_NUM_THREADS=1
P=$1; T=$2; shift 2
for pair in "$@"; do
  h=${pair%/*}; p=${pair#*/}
  .venv/bin/dexgys eval $P --data "$DATA" --hand $h --protocol $p --workers 2 \
      --out "$OUT/eval-$T-$h-$p.json" --markdown "$OUT/eval-$T-$h-$p.md" > "$OUT/eval-$T-$h-$p.log" 2>&1
done
