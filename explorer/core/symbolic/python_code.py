"""An expression as NumPy code that runs as written on arrays: `np.exp(x)`, not bare `exp(x)`.

SymPy's `pycode` prints for the `math` module (`sign` became `(0.0 if x == 0 else copysign(1, x))`, which
fails on an array); this printer names every function by its module, so the code needs only
`import numpy as np` (and `import scipy.special` when it uses erf), and it gives the values the app plots:
distributions are dropped as `derivatives.evaluate` drops them, and cbrt is the real cube root.
"""

from __future__ import annotations

import math

import sympy
from sympy.printing.numpy import SciPyPrinter

from .derivatives import drop_distributions

NUMPY_ALIAS = "np"
EXACT_IN_DOUBLE = 2**53  # integers up to this are exact doubles; NumPy refuses Python ints beyond 64 bits


class _NumPyCodePrinter(SciPyPrinter):
    """SciPy's printer with NumPy spelled `np.` and our own functions (cbrt) known."""

    def __init__(self) -> None:
        super().__init__({"fully_qualified_modules": True, "allow_unknown_functions": False})

    def _module_format(self, fqn: str, register: bool = True) -> str:
        name = super()._module_format(fqn, register)
        # `np` is how everyone imports NumPy; `numpy.exp` would need an import nobody writes.
        return NUMPY_ALIAS + name[len("numpy"):] if name.startswith("numpy.") else name

    def _print_Abs(self, expr: sympy.Abs) -> str:  # the builtin abs() SymPy prints is not what people expect
        return f"{self._module_format('numpy.abs')}({self._print(expr.args[0])})"

    def _print_cbrt(self, expr: sympy.Function) -> str:  # our real cube root (a SymPy Function subclass)
        return f"{self._module_format('numpy.cbrt')}({self._print(expr.args[0])})"

    # SciPyPrinter takes pi and e from scipy.constants; NumPy has both.
    def _print_Pi(self, expr: sympy.Expr) -> str:
        return self._module_format("numpy.pi")

    def _print_Exp1(self, expr: sympy.Expr) -> str:
        return self._module_format("numpy.e")

    # np.sin(10**20) raises (an object array); its nearest double is what the app computes with anyway.
    def _print_Integer(self, expr: sympy.Integer) -> str:
        return super()._print_Integer(expr) if abs(int(expr.p)) <= EXACT_IN_DOUBLE else self._double(expr)

    def _print_Rational(self, expr: sympy.Rational) -> str:
        if abs(int(expr.p)) <= EXACT_IN_DOUBLE and int(expr.q) <= EXACT_IN_DOUBLE:
            return super()._print_Rational(expr)
        return self._double(expr)

    def _double(self, number: sympy.Rational) -> str:
        value = float(sympy.Float(number, 17))  # via SymPy: float(p/q) of huge p and q overflows in Python
        return repr(value) if math.isfinite(value) else f"{'-' if value < 0 else ''}{self._module_format('numpy.inf')}"


class NoNumPyCode(ValueError):
    """expr has a part no NumPy code computes (a derivative SymPy left unevaluated)."""


def numpy_code(expr: sympy.Expr) -> str:
    """expr as one Python expression over NumPy arrays (`np.` for NumPy, `scipy.special.` for erf).

    Raises NoNumPyCode when SymPy left a derivative unevaluated (d/dx sign(acos(x)), in |acos(x)|''):
    neither the app nor NumPy can compute it."""
    expr, _ = drop_distributions(expr)  # |x|'' = 2 DiracDelta(x): 0 almost everywhere, as the app plots it
    if expr.has(sympy.Derivative):
        raise NoNumPyCode(f"SymPy left {next(iter(expr.atoms(sympy.Derivative)))} unevaluated: no NumPy code for it")
    return _NumPyCodePrinter().doprint(expr)


def numpy_imports(code: str) -> tuple[str, ...]:
    """The import lines the code from numpy_code needs."""
    lines = ["import numpy as np"] if f"{NUMPY_ALIAS}." in code else []
    if "scipy.special." in code:
        lines.append("import scipy.special")
    return tuple(lines)
