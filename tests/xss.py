"""The hostile-input corpus, shared by the sanitiser's tests and the browser tests."""

from pathlib import Path

VECTORS_FILE = Path(__file__).with_name("xss_vectors.txt")


def xss_vectors():
    """One vector a line, each one trying to run `window.__xss = 1`, open a dialog or load
    something from another host."""
    return [line for line in VECTORS_FILE.read_text(encoding="utf-8").split("\n") if line]
