"""Tests that drive a real Chromium through Playwright against a live server."""
