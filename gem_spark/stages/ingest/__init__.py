"""Corpus ingest: read files on executors, quarantine bad records, segment, dedup, prefilter.

How one input file becomes table rows (module.function at each step; "executor" steps are our Python
code inside Spark's Python workers, "driver" steps build Spark plans, whose joins Spark runs):

    file ─▶ unit ─▶ record ─▶ document ─▶ segments | quarantine ─▶ dedup ─▶ prefilter verdict ─▶ tables

 side      step                                           where
 driver    --input values → files (InputFile)             input_files.expand_inputs
 driver    files → units → rows (launches the pass)       spark_read.read_rows
 executor  Parquet file → one unit per row group          segmenting_pass.plan_batches → readers.plan_units
 executor  unit → records (RawRecord | BadRecord)         segmenting_pass.ingest_units → readers.read_unit
 executor  record → document: text decoded, checked,      documents.segment_record
           normalised, segmented → segments | Rejection
 executor  segment → prefilter score                      text.procedural_score.score_text
 executor  → rows: segment (with score) | quarantine      segmenting_pass.ingest_units
           | one `unit` row counting the unit's records
 driver    1. reused doc ids → `duplicate_id` quarantine  driver_steps.reused_ids, quarantine_reused_ids
 driver    2. in-run repeats (exact dedup on keys)        driver_steps.repeated_segments
 driver    3. documents in = segmented + quarantined      driver_steps.count_documents, setting_hints
 driver    4. new quarantine rows → `quarantine`          driver_steps.new_quarantine
 driver    5. new segments → `segments`                   driver_steps.new_segments
 driver    6. prefilter verdict → `prefilter`             driver_steps.prefilter_verdicts, count_verdicts,
                                                          append_verdicts (stages/prefilter.with_verdict)
 driver    order, caching, side jobs, `runs` rows         run.run_ingest

Calls run one way: run → spark_read → segmenting_pass → readers, then documents; and run →
driver_steps. `shapes.py` (Unit, RawRecord, BadRecord, the pass's row schema) and `quarantine.py`
(reason codes, Rejection, previews) are leaves every step imports; `fingerprints.py` hashes the code
and settings that decide the segment and prefilter rows. `gem-spark run` starts with
`driver_steps.refresh_prefilter` (step 6 alone) for stored segments without a verdict under the
current prefilter settings.
"""

from gem_spark.stages.ingest.driver_steps import refresh_prefilter
from gem_spark.stages.ingest.run import IngestSummary, run_ingest

__all__ = ["IngestSummary", "refresh_prefilter", "run_ingest"]
