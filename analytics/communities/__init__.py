"""Collusive trader networks: the trader projection (``projection``), community
detection on it (``detection``), community scores with reasons (``scoring``),
members' roles (``roles``), the stage that runs them in order and writes them
back (``run``) and their evaluation against planted rings (``evaluate``)."""
