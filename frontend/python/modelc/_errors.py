"""modelc.ModelError: a library error with the diagnostics the compiler produced."""
from dataclasses import dataclass


@dataclass(frozen=True)
class Diagnostic:
    """One diagnostic, as the CLI shows it (``text``)."""
    severity: str   # "error", "warning" or "note"
    message: str    # what is wrong
    pointer: str    # where in the model document (a JSON pointer; "" for the whole model)
    caret: str      # the offending line of the code string and the caret under it ("" if none)
    hint: str       # how to fix it ("" if none)
    text: str       # exactly what the CLI prints for it

    def __str__(self):
        return self.text


class ModelError(Exception):
    """An error of the modelc library. ``str(e)`` is exactly what the ``modelc`` CLI prints for it.

    Attributes: ``code`` (the library's ErrorCode name: "InvalidModel", "CompileFailed", ...),
    ``message`` (one line), ``diagnostics`` (every Diagnostic of the call, warnings included),
    ``text`` (the CLI's text), ``signal`` (the signal that interrupted the call, else 0).
    """

    def __init__(self, code, message, text, diagnostics=(), signal=0):
        super().__init__(text)
        self.code = code
        self.message = message
        self.text = text
        self.diagnostics = list(diagnostics)
        self.signal = signal

    def __str__(self):
        return self.text


def _from_library(code, message, text, diagnostics, signal):
    # Called by the extension (modelc_ext.cpp) for every library Error.
    return ModelError(code, message, text, [Diagnostic(**d) for d in diagnostics], signal)
