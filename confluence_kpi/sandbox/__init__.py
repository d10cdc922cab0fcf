"""A local server that behaves like Confluence's REST API, for trying, previewing and testing."""
