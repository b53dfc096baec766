"""Export yesterday's predictions from BigQuery to a Parquet file."""
import datetime as dt

import yaml
from google.cloud import bigquery

from analytics.queries import PREDICTIONS_SQL


def main() -> None:
    with open("/etc/export/config.yaml") as fh:
        config = yaml.safe_load(fh)
    client = bigquery.Client(project=config["project"])
    day = dt.date.today() - dt.timedelta(days=1)
    frame = client.query(PREDICTIONS_SQL.format(day=day)).to_dataframe()
    frame.to_parquet(config["output"])


if __name__ == "__main__":
    main()
