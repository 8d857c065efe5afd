"""Metric definitions shared by the build pipeline and the monitoring engine."""
