"""The whitelist of functions and constants an expression may use, and their NumPy twins."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

import numpy as np
import sympy
from scipy import special


class cbrt(sympy.Function):  # noqa: N801 - printed name must read `cbrt(x)`
    """Real cube root: cbrt(-8) = -2, unlike SymPy's principal root (-8)**(1/3)."""

    is_real = True

    @classmethod
    def eval(cls, arg):
        if arg.is_Number:
            return sympy.real_root(arg, 3)
        return None

    def fdiff(self, argindex=1):
        return 1 / (3 * cbrt(self.args[0]) ** 2)

    def _latex(self, printer, exp=None):
        root = rf"\sqrt[3]{{{printer._print(self.args[0])}}}"
        return root if exp is None else rf"\left({root}\right)^{{{exp}}}"  # cbrt(x)^2


def _log(arg, base=None):
    return sympy.log(arg) if base is None else sympy.log(arg, base)


# name -> (SymPy constructor, allowed argument counts)
FUNCTIONS: dict[str, tuple[Callable[..., sympy.Expr], tuple[int, ...]]] = {
    "sin": (sympy.sin, (1,)),
    "cos": (sympy.cos, (1,)),
    "tan": (sympy.tan, (1,)),
    "sec": (sympy.sec, (1,)),
    "csc": (sympy.csc, (1,)),
    "cot": (sympy.cot, (1,)),
    "asin": (sympy.asin, (1,)),
    "acos": (sympy.acos, (1,)),
    "atan": (sympy.atan, (1,)),
    "sinh": (sympy.sinh, (1,)),
    "cosh": (sympy.cosh, (1,)),
    "tanh": (sympy.tanh, (1,)),
    "asinh": (sympy.asinh, (1,)),
    "acosh": (sympy.acosh, (1,)),
    "atanh": (sympy.atanh, (1,)),
    "exp": (sympy.exp, (1,)),
    "log": (_log, (1, 2)),
    "sqrt": (sympy.sqrt, (1,)),
    "cbrt": (cbrt, (1,)),
    "abs": (sympy.Abs, (1,)),
    "sign": (sympy.sign, (1,)),
    "erf": (sympy.erf, (1,)),
}

# Spellings people type that mean a whitelisted function.
FUNCTION_ALIASES = {
    "ln": "log",
    "Abs": "abs",
    "arcsin": "asin",
    "arccos": "acos",
    "arctan": "atan",
    "arsinh": "asinh",
    "arcosh": "acosh",
    "artanh": "atanh",
}

CONSTANTS: dict[str, sympy.Expr] = {
    "pi": sympy.pi,
    "E": sympy.E,
    # Calculus students write e^x; a parameter named e would surprise more people than it helps.
    "e": sympy.E,
}

# Functions whose derivative is not complex-analytic, so the complex-step method cannot be trusted.
NON_ANALYTIC = (sympy.Abs, sympy.sign, cbrt)


def kink_arguments(expr: sympy.Expr, variables) -> tuple[sympy.Expr, ...]:
    """The arguments of abs, sign and cbrt in expr that depend on any of variables: where one changes sign, f
    or a derivative of f jumps (|x|'s kink, sign's step, cbrt's vertical tangent)."""
    nodes = expr.atoms(*NON_ANALYTIC)
    return tuple(sorted({node.args[0] for node in nodes if node.args[0].has(*variables)}, key=sympy.default_sort_key))

# Functions finite at every real argument: an expression built from these, +, × and natural powers
# needs no check of where f is defined before its derivative is trusted.
DEFINED_EVERYWHERE = (sympy.sin, sympy.cos, sympy.exp, sympy.sinh, sympy.cosh, sympy.tanh, sympy.atan, sympy.asinh,
                      sympy.erf, sympy.Abs, sympy.sign, cbrt)



def _hypot1(u):
    """sqrt(u^2 + 1): hypot(u, 1) for real u (u^2 overflows from |u| = 1e154 on, where the root does not);
    for the complex step's complex u, the root itself."""
    return np.sqrt(u * u + 1) if np.iscomplexobj(u) else np.hypot(u, 1.0)


# Names lambdify must resolve that plain NumPy does not provide (_hypot1: see derivatives._DoublePrinter; a
# typed name cannot start with _).
NUMPY_NAMESPACE = {"cbrt": np.cbrt, "erf": special.erf, "_hypot1": _hypot1}


@lru_cache(maxsize=1)
def autograd_namespace() -> dict[str, object]:
    """Names lambdify must resolve to autograd's differentiable versions."""
    import autograd.numpy as anp
    from autograd.extend import defvjp, primitive

    # autograd ships cbrt without a gradient; d cbrt(x) = 1 / (3 cbrt(x)^2), written with the boxed
    # answer so that nested (higher-order) differentiation keeps working.
    real_cbrt = primitive(np.cbrt)
    defvjp(real_cbrt, lambda ans, x: lambda g: g / (3.0 * ans**2))
    # erf defined here rather than imported from autograd.scipy, whose package import pulls in most of
    # SciPy and took 0.8 s of the first result; the gradient is in autograd.numpy, so it nests.
    autograd_erf = primitive(special.erf)
    defvjp(autograd_erf, lambda ans, x: lambda g: g * (2.0 / np.sqrt(np.pi)) * anp.exp(-(x**2)))
    return {"cbrt": real_cbrt, "erf": autograd_erf}

# Names SymPy or NumPy give a meaning that a real function of x cannot use: refused rather than made
# parameters (a parameter called nan would print as nan and evaluate as 1).
_INFINITY = "{} (infinity) is not a number you can differentiate; f must be finite"
RESERVED_NAMES: dict[str, str] = {
    "nan": "nan is not a number you can differentiate",
    "NaN": "NaN is not a number you can differentiate",
    "oo": _INFINITY.format("oo"),
    "inf": _INFINITY.format("inf"),
    "Inf": _INFINITY.format("Inf"),
    "infinity": _INFINITY.format("infinity"),
    "Infinity": _INFINITY.format("Infinity"),
    "zoo": "zoo (complex infinity) is not a number you can differentiate; f must be finite",
    "I": "I (the imaginary unit) is not supported: f must be real",
}
