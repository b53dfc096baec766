"""Nightly report job."""
from predictions.shared import DistributedLock, settings


def main() -> None:
    with DistributedLock("reports").hold():
        print("report for", settings["project"])


if __name__ == "__main__":
    main()
