"""Ranking: sentence features, the learned models, the sentence reranker, short-answer spans.
May import the question and retrieval rooms and the basics; no later room."""
