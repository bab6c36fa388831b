"""Test and benchmark support, not part of the program: generated portals (synthetic), a stand-alone
search page with a local server (search_page), an independent oracle for search results
(search_oracle) and search records straight from a dataset (search_records). bench/ puts tests/ on
sys.path to use them."""
