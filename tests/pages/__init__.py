"""Tests of page rendering, formatting and canonical form."""
