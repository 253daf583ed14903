"""The DataFlow Streamlit app (`streamlit run ui/app.py`)."""
