"""The page templates and the page strings, shipped in the package as
`confluence_kpi.page_templates` (pyproject.toml maps this directory there).

Not code: this file makes the directory a regular package, which is what an editable install
can map; the files are read through `confluence_kpi.shipped`.
"""
