"""The DataFlow Streamlit app (`python -m dataflow.ui`, which serves `ui/app.py` behind a per-launch secret)."""
