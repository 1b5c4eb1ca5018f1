"""briefgen: annotated news articles in, per-topic briefing site out."""

__version__ = "0.1.0"
