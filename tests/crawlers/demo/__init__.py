"""Tests of the crawlers package."""
