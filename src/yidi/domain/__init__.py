"""Domain layer: pure rules and values of cross-region medical insurance (no I/O, no clock)."""
