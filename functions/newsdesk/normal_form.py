"""Unicode NFC without its worst case: the one normal form stored text, labels and terms use.

Below every layer on purpose: publishing normalises fields and bodies, the related analysis
and search normalise the words they count.
"""

from __future__ import annotations

import re
import unicodedata

# NFC reorders combining marks by insertion sort, so one long run of marks in mixed order is
# quadratic (80,000 of them took 9 s). Runs of non-space characters are normalised apart, at
# most 1,000 characters each: far longer than any word, so only such runs can differ.
_RUN = re.compile(r"\S{1,1000}")


def nfc(text: str) -> str:
    """`text` in NFC: as it is when it already is (one linear check), else run by run."""
    if unicodedata.is_normalized("NFC", text):
        return text
    return _RUN.sub(lambda run: unicodedata.normalize("NFC", run.group()), text)
