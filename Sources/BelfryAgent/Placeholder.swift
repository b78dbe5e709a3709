// Agent wiring.
