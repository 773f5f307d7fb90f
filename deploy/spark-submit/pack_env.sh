#!/usr/bin/env bash
# Build the Python environment that submit.sh ships to executors (--python-env archive):
# a fresh virtualenv with the project wheel and its extras, packed with venv-pack into
# dist/gem-spark-env.tar.gz. Build it on the OS and CPU architecture of the cluster nodes (or in the
# executor image), with the Python version the nodes run.
#
#   deploy/spark-submit/pack_env.sh            # extras: vllm (GPU clusters)
#   EXTRAS= deploy/spark-submit/pack_env.sh    # no extras (OpenAI-compatible endpoints only)
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PYTHON="${PYTHON:-python3}"
EXTRAS="${EXTRAS-vllm}"
OUT="${OUT:-$REPO/dist/gem-spark-env.tar.gz}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

"$PYTHON" -m venv "$work/env"
"$work/env/bin/pip" install -q --upgrade pip wheel venv-pack
"$work/env/bin/pip" wheel -q --no-deps -w "$REPO/dist" "$REPO"
wheel="$(ls -t "$REPO"/dist/gem_spark-*.whl | head -1)"
"$work/env/bin/pip" install -q "$wheel${EXTRAS:+[$EXTRAS]}"
mkdir -p "$(dirname "$OUT")"
"$work/env/bin/venv-pack" -p "$work/env" -o "$OUT" --force
echo "packed $OUT (wheel $wheel)"
