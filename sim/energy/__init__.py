"""Dynamic energy of a run: per-event costs of a device (its `energy:` section, model.py and
load.py) times the run's counts of FLOPs and bytes moved at each memory level (account.py)."""
