"""Measured data: samples y(t) read from a file or pasted text, and their first and second derivatives.

- `loading.py`: CSV, TSV, whitespace or pasted text to checked, sorted samples (`load_samples`,
  `parse_samples`), every row dropped, sorted or merged reported; `errors.py`: the one `DataError`.
- `methods.py`: the methods over samples (gradient, fornberg, savgol, spline, tv, kalman), each with its
  parameters declared once; their numerics in `stencils.py` (np.gradient, Fornberg weights on uneven
  spacing), `local_fit.py` (Savitzky-Golay on any spacing), `statespace.py` (smoothing spline and the
  Kalman/RTS smoother as one banded solve), `trend_filter.py` (total-variation regularisation);
  `parallel.py`: parts that share nothing (the local fits' chunks of points) on a few threads, one
  thread for each BLAS library, and freed memory kept for the next arrays.
- `noise.py`: the noise level from the samples; `choice.py`: every parameter chosen from the data;
  `risk.py`: `auto`, the method and its parameters of least estimated risk.
- `differentiate.py`: `differentiate_samples(t, y, order, method="auto", **params)`, the one entry point,
  returning a frozen `SampleDerivative` (`result.py`); `prepared.py` keeps what a data set costs once
  (checks, scaling, noise, the methods' parameter-free parts) for the next move of a control.
- `synthetic.py`: samples of a formula with noise and their exact derivatives (known truth);
  `evaluation.py`: error against smoothing, residuals and the methods' disagreement.

Pure NumPy/SciPy over arrays; no Qt.
"""

from .differentiate import differentiate_samples
from .errors import DataError
from .methods import METHOD_NAMES, METHODS
from .parallel import keep_freed_memory, one_blas_thread
from .result import SampleDerivative

one_blas_thread()  # after the imports above have loaded SciPy's linear algebra (see parallel.py)
keep_freed_memory()

__all__ = ["METHODS", "METHOD_NAMES", "DataError", "SampleDerivative", "differentiate_samples"]
