"""User text to SymPy: the whitelist of functions and constants, the bounded parser, its one error type."""
