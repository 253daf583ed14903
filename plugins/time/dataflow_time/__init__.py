"""DataFlow's `time` nodes: dates and time series.

| category | nodes |
|---|---|
| Transform/Dates | parse_dates, date_difference, shift_dates, time_zone |
| Transform/Time series | resample, lag_lead, rolling |

Type ids are `time.<function name>`; workflow files depend on them, so they never change.
pandas is imported inside the nodes, so listing plugins stays fast.
"""

__version__ = "0.1.0"
