"""Network graphs: ops over named tensors, loaded from workload YAML with shapes inferred."""
