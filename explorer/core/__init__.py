"""Pure computation, no Qt: the window and the command line both call what lives here.

- `expression/`: user text to a SymPy expression, safely (our own bounded parser, never eval).
- `symbolic/`: exact derivatives with SymPy, in an abandonable child process, compiled to NumPy.
- `numeric/`: the numerical methods (finite differences, complex step, autodiff) and their errors.
- `export/`: files written from results (CSV tables), atomically.
- `limits.py` every bound on an input; `inputs.py` every input, declared once; `request.py` the frozen
  request that crosses threads; `pipeline.py` one request to staged results; `derive.py` the whole
  computation in-process, for the command line, tests and benchmarks; `display.py` numbers written with the
  digits that tell them apart (axes, titles, tables).
"""
