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
# The error-against-h sweep reaches a decade past the slider: with noisy samples h* is a few 1e-2, and the
# V of its error must show both arms, not end at the slider's largest step.
SWEEP_MAX_STEP = 1.0
MIN_POINTS, MAX_POINTS = 2, 1_000_000  # points on the x grid
RANGE_LIMIT = 1e15  # |x| of the computed range, the sweep point and parameter values
MAX_PARAMETERS = 100  # names other than the variable in one expression
MAX_NOISE = 1e6  # standard deviation of simulated measurement noise
MAX_TAYLOR_DEGREE = 10  # of the Taylor polynomial drawn at the sweep point
MAX_AUTODIFF_COST = 16_000  # f's operations x 4^(order-1): nested autodiff beyond it is refused

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
# Least spacing of two samples as a fraction of t's span: the methods work on t scaled to [0, 1] and take
# spacings to powers up to 5 (the Kalman prior's 720 / step^5), which underflow to 0 below this. Samples at
# t = 0 and 1e-300 beside t = 4 are one point at that scale.
MIN_SAMPLE_SPACING = 1e-60

# -- step-by-step derivation (core/symbolic/steps.py) ----------------------------------------
# Steps of one derivation, all orders together: beyond this the list is too long to read, and each step
# costs a check against SymPy.
MAX_STEPS = 500
# Seconds the command line waits for them (in a child process, abandoned after): within the steps, SymPy's
# own diff of a tower of powers at order 3 can take tens of seconds.
STEPS_TIMEOUT = 30.0

# -- several variables (explorer/core/fields) ------------------------------------------------
# Grids, descent paths and CSV matrices are arrays held whole: these bound their memory and time.
MAX_VARIABLES = 10  # variables of one field f(x, y, z, ...): the Hessian is MAX_VARIABLES^2 stencils
MIN_GRID, MAX_GRID = 2, 500  # points per axis of a map or a sampled grid (500 x 500 = 250 000 points)
MAX_ARROWS = 60  # points per axis of the coarse grid the gradient arrows are drawn on
MAX_FIELD_POINTS = 10_000  # points of one call at separate points (the CLI's --point)
MAX_DESCENT_STEPS = 20_000  # steps of one gradient descent: sequential, some tens of microseconds each
MAX_LEARNING_RATE = 1e6  # of gradient descent; more than 0
MAX_MOMENTUM = 0.999  # heavy-ball momentum beta in [0, MAX_MOMENTUM]: at 1 nothing damps the motion
# A descent whose |f| or |x| passes this has diverged: it is stopped there and says so (beyond it the next
# steps overflow to inf and NaN, which say nothing about the path).
DIVERGENCE_BOUND = 1e100
MAX_MATRIX_BYTES = 16 * 1024 * 1024  # bytes of one matrix CSV (500 x 500 numbers of 25 characters ~ 6 MB)

# -- exact arithmetic on constants -----------------------------------------
# SymPy keeps numbers exact, and a few characters can ask for an exact number of millions of digits:
# (1+1/10^20)^(10^6). Past this size a constant is kept as a double instead, so the parser's cost follows
# the text, not the digits it implies.
MAX_EXACT_DIGITS = 1000  # digits of numerator and denominator together in one exact constant
