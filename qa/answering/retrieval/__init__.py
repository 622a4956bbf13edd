"""Retrieval: hybrid dense + BM25 search, the time window as a filter, one copy of a duplicated
story. May import the question room, qa.indexing and the basics; no later room.
"""
