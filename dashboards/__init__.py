"""Turns metrics results into Plotly figures and page sections; never queries the database."""
