"""Code shared by every prediction service."""
from .distributed_lock import DistributedLock
from .config import settings

__all__ = ["DistributedLock", "settings"]
