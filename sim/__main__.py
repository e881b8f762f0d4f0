import gc
import os
import sys

# sim does no linear algebra: without this, numpy's OpenBLAS starts a thread per core at
# import, and they spin for a while, taking CPU from the run on a busy machine.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from sim.cli import main  # noqa: E402

code = main()
# The process ends here: what the command made (its results, all it loaded to make them) is
# frozen out of the collector's sight, as the modules were (sim/cli.py), so the collections
# at the interpreter's exit do not walk it; they took 50-100 ms after a run.
gc.freeze()
sys.exit(code)
