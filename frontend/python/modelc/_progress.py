"""Progress of Simulation.run: a tqdm bar when tqdm is installed (terminals and notebooks), else one
self-updating line on stderr in the CLI's format, realtime factor included."""
import sys
import time

from . import _ext


class _Line:
    """The plain line: rewritten in place on a terminal, a line every few seconds elsewhere."""

    def __init__(self, stream=None):
        self.stream = stream or sys.stderr
        self.tty = getattr(self.stream, "isatty", lambda: False)()
        self.last = 0.0
        self.width = 0

    def update(self, simulated, total, realtime, eta):
        now = time.monotonic()
        if not self.tty and now - self.last < 5.0 and simulated < total:
            return
        self.last = now
        line = _ext.format_progress(simulated, total, realtime, eta)
        if self.tty:
            self.stream.write("\r" + line.ljust(self.width))
            self.width = len(line)
        else:
            self.stream.write(line + "\n")
        self.stream.flush()

    def close(self):
        if self.tty and self.width:
            self.stream.write("\n")
            self.stream.flush()


class _Tqdm:
    def __init__(self, tqdm):
        self.bar = None
        self.tqdm = tqdm

    def update(self, simulated, total, realtime, eta):
        if self.bar is None:
            self.bar = self.tqdm(total=round(total, 6), unit="s", unit_scale=False,
                                 bar_format="{l_bar}{bar}| {n:.3f}/{total:.3f} s [{elapsed}<{remaining}{postfix}]")
        self.bar.n = round(simulated, 6)
        self.bar.set_postfix_str("realtime x%.3g" % realtime, refresh=False)
        self.bar.refresh()

    def close(self):
        if self.bar is not None:
            self.bar.close()


def make_reporter(progress):
    """What Simulation.run's ``progress=`` asks for: True (tqdm, else the plain line), "line" (the
    plain line), or a callable taking a modelc.Progress (returning False cancels)."""
    if progress is True:
        try:
            from tqdm.auto import tqdm
        except ImportError:
            return _Line()
        return _Tqdm(tqdm)
    if progress == "line":
        return _Line()
    raise ValueError("progress must be True, False, 'line' or a callable, not %r" % (progress,))
