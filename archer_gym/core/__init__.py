"""Building blocks shared by every archer_gym environment."""
