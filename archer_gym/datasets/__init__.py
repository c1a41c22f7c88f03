"""Offline dialogue datasets for pretraining, written by scripted questioners."""
