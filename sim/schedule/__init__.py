"""Schedules: which ops run together as kernels, and where every buffer lives in memory."""
