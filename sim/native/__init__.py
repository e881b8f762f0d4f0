"""Native code for the hot loops: kernels compiled ahead of time, or by numba's JIT.

`before_build`, when set, is called with no arguments just before this process starts
building the kernels' library (library.py), so that a command line can say why it pauses.
"""

before_build = None
