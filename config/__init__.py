"""The example catalog and its demo data, shipped in the package as `confluence_kpi.example`
(pyproject.toml maps this directory there) for `confluence-kpi demo`.

Not code: this file makes the directory a regular package, which is what an editable install
can map; the files are read through `confluence_kpi.shipped`.
"""
