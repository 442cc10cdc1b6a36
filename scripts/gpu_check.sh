#!/usr/bin/env bash
# treenet on a GPU machine, from the source tree: the GPU tests, then the GPU benchmark.
# Installs nothing (PYTHONPATH); needs python3 with numpy and cupy, pytest for the tests.
# Optional: OUT=folder keeps the logs there.
#   bash scripts/gpu_check.sh
set -u
cd "$(dirname "$0")/.."
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1
out="${OUT:-$(mktemp -d)}"
python3 - <<'PY'
import platform, numpy
print("python", platform.python_version(), "numpy", numpy.__version__)
try:
    import cupy
    print("cupy", cupy.__version__, "devices", cupy.cuda.runtime.getDeviceCount(),
          cupy.cuda.runtime.getDeviceProperties(0)["name"].decode())
except Exception as exc:
    print("no usable cupy:", exc)
PY
python3 -m pytest tests/gpu -q -p no:cacheprovider -rs --tb=short 2>&1 | tee "$out/gpu_tests.log" | tail -60
tests=${PIPESTATUS[0]}
# minibatch 25: dynamic vs one example at a time; 256: the two strategies
{ python3 benchmarks/gpu_treelstm.py --batch-size 25 --batches 8 --strategies agenda,none
  python3 benchmarks/gpu_treelstm.py --batch-size 256 --batches 3 --strategies agenda,depth
} 2>&1 | tee "$out/gpu_bench.log"
echo "GPU tests exit status: $tests (logs in $out)"
exit "$tests"
