"""Allows `python -m confluence_kpi`."""

from confluence_kpi.cli import main

raise SystemExit(main())
