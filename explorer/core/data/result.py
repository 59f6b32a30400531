"""What differentiating samples gives back: one frozen result, for the command line and the window."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from .methods import Value


@dataclass(frozen=True, eq=False)
class SampleDerivative:
    """The order-th derivative of samples y(t) by one method.

    t: the sample times (ascending, distinct); y: the samples; derivative: one value per sample (NaN where
    the method gives none); fit: the method's smoothed y where it has one (None for finite differences);
    method: its name; parameters: every parameter used, in the caller's units (sigma in y's units);
    automatic: the names of those chosen from the data; reason: why this method and these values, in
    words; noise: the noise deviation estimated from y; warnings: what loading or the method had to say.
    """

    t: np.ndarray
    y: np.ndarray
    order: int
    derivative: np.ndarray
    method: str
    parameters: Mapping[str, Value]
    automatic: tuple[str, ...]
    reason: str
    noise: float
    fit: np.ndarray | None = None
    warnings: tuple[str, ...] = ()

    @property
    def residuals(self) -> np.ndarray | None:
        """y minus the fit, where the method has a fit."""
        return None if self.fit is None else self.y - self.fit

    def describe_parameters(self) -> str:
        """The parameters as `name = value` text, automatic ones marked."""
        parts = []
        for name, value in self.parameters.items():
            mark = " (auto)" if name in self.automatic else ""
            shown = f"{value:.4g}" if isinstance(value, float) else str(value)
            parts.append(f"{name} = {shown}{mark}")
        return ", ".join(parts) or "none"
