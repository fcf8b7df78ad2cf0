"""A progress bar for long management commands (renditions, generated data)."""


class ProgressBar:
    """``[#####.....]  50/100 images`` on one line of a terminal; a line per 5% otherwise."""

    WIDTH = 30

    def __init__(self, stream, total, label, quiet=False):
        self.stream, self.total, self.label, self.quiet = stream, total, label, quiet
        self.tty = hasattr(stream, "isatty") and stream.isatty()
        self.done = 0
        self.step = max(1, total // 20)

    def advance(self, count=1):
        before, self.done = self.done, min(self.done + count, self.total)
        if self.quiet:
            return
        crossed = self.done // self.step != before // self.step
        if self.tty or crossed or self.done == self.total:
            filled = self.WIDTH * self.done // max(self.total, 1)
            done = f"{self.done:>{len(f'{self.total:,}')},}/{self.total:,}"
            line = f"[{'#' * filled}{'.' * (self.WIDTH - filled)}] {done} {self.label}"
            self.stream.write(("\r" + line) if self.tty else line + "\n", ending="")
            self.stream.flush()

    def close(self):
        if self.tty and self.total and not self.quiet:
            self.stream.write("\n", ending="")
