"""Line numbers for offsets in any text (the secret scanner reports lines of every text file)."""

import bisect


class LineIndex:
    def __init__(self, text: str) -> None:
        self.starts = [0]
        end = text.find("\n")
        while end != -1:
            self.starts.append(end + 1)
            end = text.find("\n", end + 1)

    def line_of(self, offset: int) -> int:
        return bisect.bisect_right(self.starts, offset)
