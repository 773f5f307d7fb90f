"""Inference layer: one Backend protocol (protocol.py), its backends (vllm_backend, openai_backend,
transformers_backend, replay), the per-process registry, and the Spark runner (spark.py, the only
module here that imports pyspark)."""
