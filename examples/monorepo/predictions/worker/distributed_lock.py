"""Worker-local lease helper, kept next to the writer that uses it."""
import contextlib
import time


class DistributedLock:
    def __init__(self, name: str) -> None:
        self.name = name

    @contextlib.contextmanager
    def hold(self):
        started = time.monotonic()
        try:
            yield self
        finally:
            del started
