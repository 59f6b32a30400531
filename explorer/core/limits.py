"""Every bound on what a user may ask for, declared once: the parser, the request, the CLI, the widgets and
the stored settings all read them from here, so a limit cannot differ between two ways in."""

from __future__ import annotations

# -- the expression ------------------------------------------------------
MAX_LENGTH = 1000  # characters of one expression
MAX_DEPTH = 40  # nesting of parentheses and function calls
MAX_NAME_LENGTH = 24  # characters of one name (function, parameter, variable)
MAX_LITERAL_DIGITS = 40  # digits of one number as typed
# log10 of the largest magnitude a constant may fold to: beyond double precision it is only a bomb.
MAX_CONSTANT_LOG10 = 308.0

# -- what is computed ----------------------------------------------------
MAX_ORDER = 6  # derivative order
MAX_ACCURACY = 8  # accuracy order p of the finite differences
MIN_STEP, MAX_STEP = 1e-16, 1e-1  # the step h
MIN_POINTS, MAX_POINTS = 2, 1_000_000  # points on the x grid
RANGE_LIMIT = 1e15  # |x| of the computed range, the sweep point and parameter values
MAX_PARAMETERS = 100  # names other than the variable in one expression
MAX_NOISE = 1e6  # standard deviation of simulated measurement noise
MAX_TAYLOR_DEGREE = 10  # of the Taylor polynomial drawn at the sweep point

# -- SymPy ---------------------------------------------------------------
MAX_OPERATIONS = 20_000  # a derivative bigger than this is not worth compiling or drawing
DERIVE_TIMEOUT = 5.0  # seconds SymPy may take to differentiate
SIMPLIFY_TIMEOUT = 3.0  # seconds SymPy may take to simplify the shown derivative
MAX_TIMEOUT = 3600.0  # seconds a user may allow (--timeout)
TYPESET_TIMEOUT = 2.0  # seconds drawing one formula as mathematics may take
MAX_TYPESET_LATEX = 600  # characters of LaTeX worth drawing as mathematics; longer ones stay text

# -- measured data (explorer/core/data) --------------------------------------
# A file is read whole, then parsed by NumPy: bytes and rows bound the time and memory of one load.
MAX_DATA_BYTES = 128 * 1024 * 1024  # bytes of one data file or pasted text (10^6 rows of 2 numbers ~ 40 MB)
MAX_DATA_ROWS = 1_000_000  # data rows of one file
MAX_DATA_COLUMNS = 1000  # columns of one file
MAX_DATA_ORDER = 2  # derivative order of samples: velocity and acceleration
MAX_STENCIL_POINTS = 15  # points of one Fornberg stencil over samples
MAX_SAVGOL_WINDOW = 2001  # points of one Savitzky-Golay window
MAX_SAVGOL_DEGREE = 7  # degree of the local polynomial
