"""Reliability suites: load, crashes, outages, hostile input, protocol abuse and floods."""
