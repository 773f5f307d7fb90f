#!/usr/bin/env bash
# spark-submit a gem-spark job to a standalone, YARN or Kubernetes cluster with GPU executors.
#
#   deploy/spark-submit/submit.sh --target yarn --config conf/cluster.yaml [options] -- run_pipeline --mode synthesizer
#   deploy/spark-submit/submit.sh --print-delta-package     # the pinned Delta artifact (used by the Dockerfile)
#
# The job is a file of jobs/ (run_pipeline, ingest, select_stage, synthesize, judge, export, report, ...);
# everything after it is passed to the job. `--dry-run` prints the exact command instead of running it.
# Versions come from constraints.txt: the Delta package is pinned to the delta-spark and pyspark pins there
# (the Spark of the image and of the embedded default; a cluster on another Spark 4.x needs the delta-spark
# release built for its Spark minor version).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"

usage() {
  cat <<'EOF'
usage: submit.sh --target standalone|yarn|k8s --config FILE [options] -- JOB [job arguments]
       submit.sh --print-delta-package

cluster
  --target T            standalone | yarn | k8s (required)
  --master URL          spark://host:7077 (standalone), k8s://https://api-server:6443 (k8s); yarn: implied
  --deploy-mode M       client | cluster (default: client on standalone, cluster on yarn and k8s)
  --name NAME           application name (default: gem-spark-JOB)
  --num-executors N     executors to request (default 2)
  --executor-cores N    cores per executor (default 8)
  --executor-memory M   heap per executor (default 32g)
  --executor-overhead M off-heap per executor: vLLM, CUDA and Arrow live here (default 32g)
  --driver-memory M     driver heap (default 8g)
gpus
  --executor-gpus N     GPUs per executor (default 1; 0 = CPU-only cluster, no GPU settings)
  --task-gpus X         GPUs per task for CPU stages (default executor-gpus/executor-cores, so CPU stages
                        use every core; GPU stages ask for runner.gpus_per_task through a ResourceProfile)
  --discovery-script P  GPU discovery script as the executors see it
                        (default: this folder's get_gpus_resources.sh; shipped with --files on yarn;
                        /opt/gem-spark/deploy/spark-submit/get_gpus_resources.sh in the k8s image)
  --arrow-batch N       spark.sql.execution.arrow.maxRecordsPerBatch (default 256)
python environment
  --python-env E        archive | wheel | image | local (default: archive; image on k8s)
                        archive: a packed virtualenv (pack_env.sh) shipped with --archives ENV#environment
                        wheel:   the project wheel via --py-files (dependencies already on the cluster)
                        image:   everything is in the container image (deploy/docker/Dockerfile)
                        local:   the interpreter in $PYSPARK_PYTHON on every node (single machine, tests)
  --env-archive P       packed virtualenv (default: dist/gem-spark-env.tar.gz)
  --wheel P             project wheel (default: dist/gem_spark-VERSION-py3-none-any.whl)
delta
  --delta D             packages | image | none (default: packages; image on k8s). packages: --packages
                        with the pinned Delta artifact (needs Maven Central); image: the jars are in the image
kubernetes
  --image IMAGE         container image for driver and executors (required on k8s)
  --namespace NS        namespace (default: default)
  --service-account SA  driver service account (default: spark)
  --pod-template P      executor pod template (default: deploy/docker/pod-template-gpu.yaml)
other
  --config FILE         gem-spark config, passed to the job as --config; in cluster mode it is shipped
                        with --files, except with --python-env image, where it is a path in the image
  --conf K=V            extra Spark property (repeatable)
  --dry-run             print the spark-submit command and exit
EOF
}

die() { echo "submit.sh: $*" >&2; exit 2; }

pin() {  # the ==version of a package in constraints.txt
  local version
  version="$(sed -n "s/^$1==\([^[:space:]#]*\).*/\1/p" "$REPO/constraints.txt" | head -1)"
  [[ -n "$version" ]] || die "no '$1==' pin in $REPO/constraints.txt"
  echo "$version"
}

delta_package() {
  # Delta 4.x artifacts carry the Spark minor version: io.delta:delta-spark_<spark major.minor>_<scala>.
  echo "io.delta:delta-spark_$(pin pyspark | cut -d. -f1,2)_2.13:$(pin delta-spark)"
}

if [[ "${1:-}" == --print-delta-package ]]; then
  delta_package
  exit 0
fi

target="" master="" deploy_mode="" name="" config="" python_env="" delta="" image=""
num_executors=2 executor_cores=8 executor_memory=32g executor_overhead=32g driver_memory=8g
executor_gpus=1 task_gpus="" discovery_script="" arrow_batch=256
env_archive="$REPO/dist/gem-spark-env.tar.gz" wheel="" namespace=default service_account=spark
pod_template="$REPO/deploy/docker/pod-template-gpu.yaml" dry_run=0
extra_conf=()

while [[ $# -gt 0 ]]; do
  case "$1" in
    --target) target="$2"; shift 2 ;;
    --master) master="$2"; shift 2 ;;
    --deploy-mode) deploy_mode="$2"; shift 2 ;;
    --name) name="$2"; shift 2 ;;
    --num-executors) num_executors="$2"; shift 2 ;;
    --executor-cores) executor_cores="$2"; shift 2 ;;
    --executor-memory) executor_memory="$2"; shift 2 ;;
    --executor-overhead) executor_overhead="$2"; shift 2 ;;
    --driver-memory) driver_memory="$2"; shift 2 ;;
    --executor-gpus) executor_gpus="$2"; shift 2 ;;
    --task-gpus) task_gpus="$2"; shift 2 ;;
    --discovery-script) discovery_script="$2"; shift 2 ;;
    --arrow-batch) arrow_batch="$2"; shift 2 ;;
    --python-env) python_env="$2"; shift 2 ;;
    --env-archive) env_archive="$2"; shift 2 ;;
    --wheel) wheel="$2"; shift 2 ;;
    --delta) delta="$2"; shift 2 ;;
    --image) image="$2"; shift 2 ;;
    --namespace) namespace="$2"; shift 2 ;;
    --service-account) service_account="$2"; shift 2 ;;
    --pod-template) pod_template="$2"; shift 2 ;;
    --config) config="$2"; shift 2 ;;
    --conf) extra_conf+=("$2"); shift 2 ;;
    --dry-run) dry_run=1; shift ;;
    -h|--help) usage; exit 0 ;;
    --) shift; break ;;
    *) die "unknown option '$1' (see --help)" ;;
  esac
done

[[ $# -ge 1 ]] || die "missing the job after '--' (e.g. -- run_pipeline --mode synthesizer)"
job="${1%.py}"; job="${job##*/}"; shift
[[ -f "$REPO/jobs/$job.py" ]] || die "no job '$job' in $REPO/jobs"
[[ -n "$config" ]] || die "--config is required"
[[ "$executor_gpus" =~ ^[0-9]+$ ]] || die "--executor-gpus must be a whole number"

case "$target" in
  standalone)
    [[ "$master" == spark://* ]] || die "--master spark://HOST:PORT is required for standalone"
    : "${deploy_mode:=client}" "${python_env:=archive}" "${delta:=packages}" ;;
  yarn)
    master=yarn
    : "${deploy_mode:=cluster}" "${python_env:=archive}" "${delta:=packages}" ;;
  k8s)
    [[ "$master" == k8s://* ]] || die "--master k8s://https://HOST:PORT is required for k8s"
    [[ -n "$image" ]] || die "--image is required for k8s"
    : "${deploy_mode:=cluster}" "${python_env:=image}" "${delta:=image}" ;;
  *) die "--target must be standalone, yarn or k8s" ;;
esac
[[ "$deploy_mode" == client || "$deploy_mode" == cluster ]] || die "--deploy-mode must be client or cluster"

project_version="$(sed -n 's/^version = "\(.*\)"/\1/p' "$REPO/pyproject.toml" | head -1)"

cmd=("${SPARK_SUBMIT:-${SPARK_HOME:+$SPARK_HOME/bin/}spark-submit}"
  --master "$master" --deploy-mode "$deploy_mode" --name "${name:-gem-spark-$job}"
  --driver-memory "$driver_memory"
  --conf "spark.executor.instances=$num_executors"
  --conf "spark.executor.cores=$executor_cores"
  --conf "spark.executor.memory=$executor_memory"
  --conf "spark.executor.memoryOverhead=$executor_overhead"
  # One long-lived Python worker per task slot keeps the vLLM engine loaded across batches and stages.
  --conf spark.python.worker.reuse=true
  --conf spark.sql.execution.arrow.pyspark.enabled=true
  --conf "spark.sql.execution.arrow.maxRecordsPerBatch=$arrow_batch")
files=() py_files=()

if [[ "$executor_gpus" -gt 0 ]]; then
  if [[ -z "$task_gpus" ]]; then
    task_gpus="$(awk -v g="$executor_gpus" -v c="$executor_cores" 'BEGIN { printf "%.4g", g / c }')"
  fi
  case "$target" in
    yarn)
      files+=("$HERE/get_gpus_resources.sh")
      : "${discovery_script:=./get_gpus_resources.sh}" ;;
    k8s)
      : "${discovery_script:=/opt/gem-spark/deploy/spark-submit/get_gpus_resources.sh}"
      cmd+=(--conf spark.executor.resource.gpu.vendor=nvidia.com) ;;
    standalone)
      : "${discovery_script:=$HERE/get_gpus_resources.sh}" ;;
  esac
  cmd+=(--conf "spark.executor.resource.gpu.amount=$executor_gpus"
    --conf "spark.task.resource.gpu.amount=$task_gpus"
    --conf "spark.executor.resource.gpu.discoveryScript=$discovery_script")
fi

case "$python_env" in
  archive)
    # The standard packed-virtualenv recipe: unpacked as ./environment in every container.
    cmd+=(--archives "$env_archive#environment" --conf spark.pyspark.python=./environment/bin/python)
    if [[ "$deploy_mode" == cluster ]]; then
      cmd+=(--conf spark.pyspark.driver.python=./environment/bin/python)
    fi ;;
  wheel)
    py_files+=("${wheel:-$REPO/dist/gem_spark-$project_version-py3-none-any.whl}") ;;
  image) ;;
  local)
    [[ -n "${PYSPARK_PYTHON:-}" ]] || die "--python-env local needs PYSPARK_PYTHON"
    cmd+=(--conf "spark.pyspark.python=$PYSPARK_PYTHON") ;;
  *) die "--python-env must be archive, wheel, image or local" ;;
esac

case "$delta" in
  packages) cmd+=(--packages "$(delta_package)") ;;
  image|none) ;;
  *) die "--delta must be packages, image or none" ;;
esac
if [[ "$delta" != none ]]; then
  cmd+=(--conf spark.sql.extensions=io.delta.sql.DeltaSparkSessionExtension
    --conf spark.sql.catalog.spark_catalog=org.apache.spark.sql.delta.catalog.DeltaCatalog)
fi

if [[ "$target" == k8s ]]; then
  cmd+=(--conf "spark.kubernetes.container.image=$image"
    --conf "spark.kubernetes.namespace=$namespace"
    --conf "spark.kubernetes.authenticate.driver.serviceAccountName=$service_account"
    --conf "spark.kubernetes.executor.podTemplateFile=$pod_template")
fi

for item in "${extra_conf[@]}"; do
  cmd+=(--conf "$item")
done

# The job script (a thin call of gem_spark.cli, which the environment provides); the config travels with
# --files except where the image has it.
if [[ "$python_env" == image && "$deploy_mode" == cluster ]]; then
  job_file="local:///opt/gem-spark/jobs/$job.py"
  job_config="$config"
else
  job_file="$REPO/jobs/$job.py"
  if [[ "$deploy_mode" == cluster ]]; then
    files+=("$config")
    job_config="$(basename "$config")"
  else
    job_config="$config"
  fi
fi
if [[ ${#py_files[@]} -gt 0 ]]; then
  cmd+=(--py-files "$(IFS=,; echo "${py_files[*]}")")
fi
if [[ ${#files[@]} -gt 0 ]]; then
  cmd+=(--files "$(IFS=,; echo "${files[*]}")")
fi
cmd+=("$job_file" --config "$job_config" "$@")

if [[ "$dry_run" -eq 1 ]]; then
  printf '%q ' "${cmd[@]}"
  echo
  exit 0
fi
exec "${cmd[@]}"
