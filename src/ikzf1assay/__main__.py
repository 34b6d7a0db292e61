"""``python -m ikzf1assay``: the same command as ``ikzf1assay``."""

from ikzf1assay.cli import main

raise SystemExit(main())
