"""Annotator: tag spans of text with themes and speakers, export them, compare coders."""

__version__ = "0.1.0"
