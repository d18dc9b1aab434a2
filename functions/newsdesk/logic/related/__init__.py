"""Related teasers: Danish text analysis, scoring, candidate generation and list maintenance.

Lists are computed when articles change (stream events), never when a page is read, and each
change touches a bounded number of items whatever the size of the corpus.
"""
