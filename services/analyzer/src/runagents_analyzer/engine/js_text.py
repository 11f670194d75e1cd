"""Line numbers for offsets in any text (the secret scanner reports lines of every text file)."""

import bisect
import re


class LineIndex:
    def __init__(self, text: str) -> None:
        self.starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def line_of(self, offset: int) -> int:
        return bisect.bisect_right(self.starts, offset)
