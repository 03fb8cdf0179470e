"""Each official's way through their programme, and whether they can be certified."""
