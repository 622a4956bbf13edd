"""Understanding the question: its kind, the answer type it expects, a follow-up made standalone.
May import qa.settings, qa.types and qa.text; no other room of answering."""
