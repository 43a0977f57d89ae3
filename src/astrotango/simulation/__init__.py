"""Simulation: hardware and sensor simulators behind driver Protocols (clocks: astrotango.clock)."""
