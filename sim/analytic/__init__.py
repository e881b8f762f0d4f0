"""The cache-ignoring estimate (docs/talk.md, section 3): FLOPs, parameters, bytes, roofline."""
