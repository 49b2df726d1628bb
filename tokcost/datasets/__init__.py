"""Datasets: JSONL, JSON arrays, CSV/TSV and Parquet files counted record by record.

`--field PATH` picks each record's text (`text`, `messages`, `conversations[*].value`). Files are
split into shards (byte ranges of a JSONL file, row groups of a Parquet file, whole CSV/JSON files)
that are counted in this process, a local process pool, or on a Dask cluster, and merged exactly.
"""
