"""HTTP routes, one module per audience. Nothing imports this package but app.py."""
