import csv
import io


def load_games(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))
