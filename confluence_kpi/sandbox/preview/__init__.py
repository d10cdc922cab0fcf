"""The sandbox's read-only HTML preview of its pages, apart from the server so that a reader of
the REST API can skip it: the viewer (`viewer`), storage format as HTML with Page Properties
Reports (`storage_html`) and the chart macro drawn as SVG (`svg_chart`). The server reaches it
only where `app` wires the viewer in."""
