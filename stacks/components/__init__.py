"""Reusable constructs, one capability per module."""
