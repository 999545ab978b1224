"""Check primitives, one module per family, and their registry."""
