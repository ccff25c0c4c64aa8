"""`python -m feedback` runs the command-line interface."""

from feedback.cli import main

raise SystemExit(main())
