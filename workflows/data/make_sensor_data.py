"""Write sensor_readings.csv next to this script: a reading every two hours from three sensors
(greenhouse, cellar, attic) over six weeks from 1 March 2024, with the time written day first
(`01/03/2024 14:00`, format `%d/%m/%Y %H:%M`); the attic sensor is offline from 18 to 21 March
(no rows), the gap the sensor_time_series example shows.

    python workflows/data/make_sensor_data.py

Run once; the file is committed, so the workflow and its test never depend on this script.
Running it again writes the same file byte for byte (seeded).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
SENSORS = {"greenhouse": (22.0, 4.0, 70), "cellar": (12.0, 1.0, 85), "attic": (16.0, 6.0, 45)}


def main() -> None:
    rng = np.random.default_rng(20)
    times = pd.date_range("2024-03-01", "2024-04-12", freq="2h", inclusive="left")
    hours = times.hour.to_numpy() + times.day_of_year.to_numpy() * 24
    parts = []
    for sensor, (level, swing, humidity) in SENSORS.items():
        daily = swing * np.sin(2 * np.pi * (hours - 9) / 24)
        warming = 0.08 * (hours - hours[0]) / 24
        part = pd.DataFrame({
            "timestamp": times.strftime("%d/%m/%Y %H:%M"), "sensor": sensor,
            "temperature": np.round(level + daily + warming + rng.normal(0, 0.6, len(times)), 1),
            "humidity": np.clip(humidity + rng.normal(0, 5, len(times)), 0, 100).round().astype(int)})
        if sensor == "attic":
            part = part[(times < "2024-03-18") | (times >= "2024-03-22")]
        parts.append(part)
    pd.concat(parts, ignore_index=True).to_csv(HERE / "sensor_readings.csv", index=False)


if __name__ == "__main__":
    main()
