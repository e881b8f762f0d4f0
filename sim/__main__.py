import os
import sys

# sim does no linear algebra: without this, numpy's OpenBLAS starts a thread per core at
# import, and they spin for a while, taking CPU from the run on a busy machine.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from sim.cli import main  # noqa: E402

sys.exit(main())
