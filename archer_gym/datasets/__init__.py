"""Offline BC datasets written by each env's scripted demonstrator (:mod:`archer_gym.datasets.demonstrations`)."""
