"""DataFlow's `transform` nodes: the pandas work people do every day, as nodes.

| category | nodes |
|---|---|
| Transform/Columns | select, rename, derive, cast |
| Transform/Rows | filter, sort, sample, dedupe |
| Transform/Missing values | fill_missing, drop_missing |
| Transform/Combine | join, concat |
| Transform/Reshape | groupby, pivot, melt |
| Transform/Text | split_column, text |
| Transform/Dates | date_parts |
| Transform/Encode | bin, one_hot |
| Explore | describe, value_counts, correlation, profile |

Type ids are `transform.<function name>`; workflow files depend on them, so they never change.
pandas is imported inside the nodes, so listing plugins stays fast.
"""

__version__ = "0.1.0"
