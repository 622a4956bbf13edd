"""The chat's records: the database, saved conversations, feedback and the Markdown transcript.
May import qa.answering, qa.indexing and the basics; no other room of app."""
