"""DataFlow's built-in serializers, one per built-in port type.

| port type | stored as | exported as |
|---|---|---|
| table, series | Arrow IPC file, one record batch, dtypes restored exactly | Parquet |
| model | joblib (runs code on load: private cache and own workers only) | - |
| metrics, params | JSON (numpy values become Python values) | JSON |
| array | .npy without pickle, loaded zero-copy | .npy |
| figure | Plotly JSON | standalone HTML |

Nothing heavy is imported here: pandas, pyarrow, numpy, joblib and plotly are imported by the
methods that need them, so listing plugins stays fast.
"""

__version__ = "0.1.0"
