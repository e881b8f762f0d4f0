"""sim: a cycle-approximate simulator of deep-learning inference on a memory hierarchy."""

__version__ = "0.1.0"
