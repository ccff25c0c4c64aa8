"""HTTP routes, one module per audience. Nothing imports this package but app.py."""

from feedback.core.numbers import bound_path_ids

# Before any route module builds its routes: ids in paths are held to what the database holds.
bound_path_ids()
