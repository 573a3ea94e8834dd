#!/usr/bin/env bash
# The CUDA figures of benchmarks/: training throughput of every published architecture
# (float32 and bfloat16 autocast) and DeepLIFT-SHAP vs tangermeme, on one GPU.
#
#   bash benchmarks/cuda_benchmarks.sh OUTDIR
#
# Runs from the repository root without installing motifscope (PYTHONPATH); the GPU
# machine's python needs torch, numpy, scipy, pandas, numba, tqdm and, for the peer
# comparison, tangermeme (wheels in .whl/ are installed to /tmp/site if present).
set -u
out=${1:-.}
mkdir -p "$out"
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1 MPLBACKEND=Agg
if ls .whl/*.whl >/dev/null 2>&1; then
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
    --target /tmp/site .whl/*.whl && export PYTHONPATH="$PYTHONPATH:/tmp/site"
fi
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
python3 -c "import torch; print('torch', torch.__version__, torch.cuda.get_device_name())"
python3 benchmarks/bench_train.py --device cuda --steps 10 2>&1 | tee "$out/train_cuda_fp32.txt"
python3 benchmarks/bench_train.py --device cuda --steps 10 --amp 2>&1 | tee "$out/train_cuda_bf16.txt"
python3 benchmarks/bench_attribution.py --device cuda --models deepsea,danq --n 128 --refs 20 \
  --batch-size 32 --repeat 2 --json "$out/attribution_cuda.json" 2>&1 | tee "$out/attribution_cuda.txt"
