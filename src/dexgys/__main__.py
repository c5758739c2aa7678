"""``python -m dexgys ...`` runs the ``dexgys`` command (what ``torchrun -m dexgys train ...`` needs)."""

from dexgys.cli.main import main

raise SystemExit(main())
