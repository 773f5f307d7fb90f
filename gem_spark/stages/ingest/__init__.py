"""Corpus ingest: read files on executors, quarantine bad records, segment, dedup, prefilter."""

from gem_spark.stages.ingest.run import IngestSummary, run_ingest

__all__ = ["IngestSummary", "run_ingest"]
