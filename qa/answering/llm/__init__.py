"""The LLM path: backends, answers written by an LLM from numbered passages, prompts, citation
checks. May import the question, retrieval, ranking and readers rooms; never the builders
room.
"""
