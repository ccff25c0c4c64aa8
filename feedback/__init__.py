"""Bilingual post-interaction feedback for public services, on every channel."""

__version__ = "0.1.0"
