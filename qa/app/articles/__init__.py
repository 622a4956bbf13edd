"""The Articles tab: the list of indexed articles, the article view, uploads and the trash.
May import qa.answering, qa.indexing, the records and access rooms; not api, web or cli."""
