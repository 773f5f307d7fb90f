#!/usr/bin/env bash
# Spark resource discovery script for GPUs (spark.{executor,worker,driver}.resource.gpu.discoveryScript).
# Contract: print ONE JSON object {"name": "gpu", "addresses": ["0", "1", ...]} on stdout and exit 0;
# Spark then hands each task its GPU indices (TaskContext.resources()["gpu"]), which gem-spark puts in
# CUDA_VISIBLE_DEVICES before vLLM starts. Indices are those nvidia-smi reports; inside a container that
# sees only its allotted GPUs (Kubernetes, YARN with GPU isolation) they are that container's GPUs.
# A machine without nvidia-smi or GPUs fails loudly: an executor that asked for GPUs must not start.
set -euo pipefail

if ! command -v nvidia-smi >/dev/null 2>&1; then
  echo "get_gpus_resources.sh: nvidia-smi not found; install the NVIDIA driver or do not request GPUs" >&2
  exit 1
fi
indices="$(nvidia-smi --query-gpu=index --format=csv,noheader)"
if [[ -z "${indices//[[:space:]]/}" ]]; then
  echo "get_gpus_resources.sh: nvidia-smi lists no GPUs" >&2
  exit 1
fi
addresses="$(echo "$indices" | tr -d ' \r' | grep -v '^$' | sed 's/.*/"&"/' | paste -sd, -)"
echo "{\"name\": \"gpu\", \"addresses\": [$addresses]}"
