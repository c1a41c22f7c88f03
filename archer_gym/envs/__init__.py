"""The environments. Import a module only when its env is made (registration uses strings)."""
