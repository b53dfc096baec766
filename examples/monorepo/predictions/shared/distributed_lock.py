import contextlib
import time


class DistributedLock:
    """A lease in the coordination table; held while a batch is written."""

    def __init__(self, name: str, ttl: float = 60.0) -> None:
        self.name = name
        self.ttl = ttl
        self.acquired_at: float | None = None

    @contextlib.contextmanager
    def hold(self):
        self.acquired_at = time.time()
        try:
            yield self
        finally:
            self.acquired_at = None
