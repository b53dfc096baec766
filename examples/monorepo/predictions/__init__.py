"""Prediction platform."""
