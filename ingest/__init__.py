"""Reading customs data into the graph: validation against the schema, loading, and
the synthetic scenario generator."""
