"""Building answers: extractive quotes, grouped sections, overviews, summaries, who said it,
follow-ups. May import the question, retrieval, ranking and readers rooms; never the llm
room.
"""
