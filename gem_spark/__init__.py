"""gem-spark: mine web-text corpora for multi-turn tool-use training data (GEM) with Spark and Delta."""

__version__ = "0.1.0"
