"""DataFlow's file readers and writers, as source connectors and nodes.

| format | extensions | read | write |
|---|---|---|---|
| csv | .csv | yes | yes |
| tsv | .tsv, .tab | yes | yes |
| parquet | .parquet, .pq | yes | yes |
| feather | .feather, .arrow, .ipc (Arrow IPC file or stream) | yes | yes |
| json | .json (an array of records) | yes | yes |
| jsonl | .jsonl, .ndjson (one record per line) | yes | yes |
| excel | .xlsx, .xlsm (needs openpyxl or python-calamine) | yes | no |

Nodes: `io.read_file` and `io.write_file` work with any registered format (a plugin adding a
connector extends them); `io.read_csv`, `io.read_parquet`, `io.read_excel` and `io.read_json`
expose each format's options. Files over `DATAFLOW_MAX_FILE_MB` (default 2048) are refused
before they are read. pandas and pyarrow are imported when a file is read, not at import.
"""

__version__ = "0.1.0"
