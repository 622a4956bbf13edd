"""Reading: the neural reader (MiniLM fine-tuned on SQuAD) that reads question and passages
together and points at the answer span. May import the question, retrieval and ranking
rooms; no later room.
"""
