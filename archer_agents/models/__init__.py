"""Neural building blocks: the token-level policy, the utterance-level critic, model presets."""
