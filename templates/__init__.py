"""Jinja2 templates, shipped as the feedback.templates package."""
