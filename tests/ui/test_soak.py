"""What held under hostile use and must keep holding: many rapid edits grow neither memory nor threads nor
processes, and closing leaves no child behind."""

import multiprocessing
import os
import resource
import threading
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication

EDITS = 1500


def children() -> list:
    """The SymPy processes this process started that are alive (forked by the fork server, but ours)."""
    return multiprocessing.active_children()


def resident_bytes() -> int:
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * resource.getpagesize()


@pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="reads the resident size from /proc (Linux)")
@pytest.mark.timeout(300)
def test_rapid_edits_grow_nothing_and_closing_leaves_no_child(qtbot, make_window, settled):
    window = make_window()
    window.editor.set_text("sin(2x)")
    settled(window)
    threads, memory = threading.active_count(), resident_bytes()
    for i in range(EDITS):
        window.editor.set_text(f"sin({i % 97 + 1}x)*exp(-x^2/{i % 13 + 2})+x^{i % 5}")
        QApplication.processEvents()  # each edit becomes a request, superseding the one being computed
        if i % 100 == 0:
            assert threading.active_count() <= threads + 1
            assert len(children()) <= 3  # the two SymPy children, and a replacement starting
    settled(window)
    assert window.request.expression.startswith(f"sin({(EDITS - 1) % 97 + 1}x)")
    assert threading.active_count() <= threads + 1
    assert resident_bytes() - memory < 150 * 2**20
    assert children()
    window.close()
    assert children() == []
