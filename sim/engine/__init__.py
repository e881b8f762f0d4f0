"""The timing engine: tile costs ordered in time by SimPy, and the pipeline that feeds it."""
