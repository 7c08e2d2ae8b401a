"""Human output, outside the pure core: what a reader sees of billing's documents and of a scenario.

Each module here takes what the engine produced (documents as their stable JSON, a scenario's result) and
turns it into something to look at or send on. None of them is imported by the engine, and none changes a
number: they format what the documents say.
"""
