"""Native code for the hot loops: kernels compiled ahead of time, or by numba's JIT."""
