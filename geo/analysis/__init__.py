"""Analyses over the register and demand: nearest stations, coverage, gaps and new sites, streaming and Dask."""
