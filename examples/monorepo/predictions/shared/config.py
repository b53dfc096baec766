import os

settings = {
    "project": os.environ.get("GCP_PROJECT", "local"),
    "dataset": os.environ.get("DATASET", "predictions"),
}
