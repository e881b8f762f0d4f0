"""The cache-ignoring estimate (SEED.md section 3): FLOPs, parameters, bytes and the roofline."""
