"""DataFlow's chart nodes (Plotly figures), registered by `dataflow_plotly.plugin`."""
