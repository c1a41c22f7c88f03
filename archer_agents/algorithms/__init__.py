"""The algorithms. Each module registers its agent with :func:`archer_agents.registry.register_agent`."""
