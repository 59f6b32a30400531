"""The scroll area a mode's control column sits in: never narrower than its controls need."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QSize, Qt
from PySide6.QtWidgets import QScrollArea, QWidget


class ControlsScroll(QScrollArea):
    """A scroll area at least as wide as its controls need, as they grow (a method's parameter rows): the
    splitter asks it, and narrower, the controls were cut off on the right (boxes, buttons, text)."""

    def __init__(self, controls: QWidget, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWidget(controls)
        self.setWidgetResizable(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)  # texts wrap instead

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        hint = super().minimumSizeHint()
        inside = self.widget()
        if inside is None:
            return hint
        width = inside.minimumSizeHint().width() + self.verticalScrollBar().sizeHint().width() + 2 * self.frameWidth()
        return QSize(max(hint.width(), width), hint.height())

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt's name
        if watched is self.widget() and event.type() == QEvent.Type.LayoutRequest:
            self.updateGeometry()  # the controls' needs changed: the splitter asks again
        return super().eventFilter(watched, event)
