"""`python -m tokcost`: the same as the `tokcost` command."""
from tokcost.cli import main

raise SystemExit(main())
