"""The pure core: the v2 architecture schema, its tensor records and the counts folded from them."""
