#!/usr/bin/env bash
# Instructions per account for one benchmark path, counted by callgrind: repeatable on a noisy VM
# where wall-clock figures swing by 30 %. Runs the timed pass once and twice over the same N accounts;
# the difference is exactly one pass (start-up and input building cancel out), divided by N.
# Usage: benchmarks/instructions.sh [signup|renewal|state-json|dicts|usage|accounts] [N]   (needs valgrind)
set -euo pipefail
path=${1:-signup}
n=${2:-200}
py=${PYTHON:-.venv/bin/python}
export PYTHONHASHSEED=0  # same dict/set layouts in every run
count() {
  valgrind --tool=callgrind --callgrind-out-file=/dev/null "$py" benchmarks/bill_run.py "$n" --repeat "$1" \
    --only "$path" 2>&1 | sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
once=$(count 1)
twice=$(count 2)
echo "$path: $(( (twice - once) / n )) instructions per account (N=$n; 1 pass: $once, 2 passes: $twice)"
