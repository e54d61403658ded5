"""Analyses over the graph: trader projections, community detection, scores.

Algorithms are plain functions over DataFrames read in bulk from a store."""
