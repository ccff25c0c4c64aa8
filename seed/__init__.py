"""Realistic demo data: services, surveys on every channel, a year of responses, comments."""

from seed.demo import SeedSummary, ensure_demo, seed_responses

__all__ = ["SeedSummary", "ensure_demo", "seed_responses"]
