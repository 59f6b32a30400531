"""Exact derivatives: SymPy differentiation (`derivatives`), run in an abandonable child process (`engine`),
and compiled once per expression to vectorised NumPy."""
