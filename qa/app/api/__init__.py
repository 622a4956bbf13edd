"""The HTTP APIs: the OpenAI-compatible /v1 on the chat's port.
May import qa.answering, the records and access rooms; not articles, web or cli."""
