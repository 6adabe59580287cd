"""Text on screen by OCR (Tesseract, Debian package ``tesseract-ocr``): the last way to
read a desktop application, when no key path or copy path reaches the text.

Screen fonts are small for Tesseract, so images are scaled up before recognition; boxes
are given back in the original image's pixels.
"""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from bots.runtime.desktop.driver import Box, DesktopDriver, Window
from bots.runtime.errors import ConfigError

__all__ = ["Word", "available", "find_text", "image_text", "window_text", "words"]

SCALE = 2


@dataclass(frozen=True)
class Word:
    text: str
    box: Box
    line: tuple[int, int, int]  # block, paragraph, line


def available() -> bool:
    return shutil.which("tesseract") is not None


def _tesseract(image: Path, *args: str) -> str:
    binary = shutil.which("tesseract")
    if binary is None:
        raise ConfigError("OCR needs Tesseract (Debian package 'tesseract-ocr')")
    with tempfile.TemporaryDirectory(prefix="finbots-ocr-") as tmp:
        scaled = Path(tmp) / "scaled.png"
        with Image.open(image) as img:
            img.convert("L").resize((img.width * SCALE, img.height * SCALE)).save(scaled)
        done = subprocess.run([binary, str(scaled), "stdout", *args], capture_output=True,
                              text=True, timeout=60, check=False)
    if done.returncode != 0:
        raise ConfigError(f"tesseract failed: {done.stderr.strip()[:200]}")
    return done.stdout


def image_text(image: Path) -> str:
    """All the text Tesseract reads in ``image``."""
    return _tesseract(image)


def words(image: Path) -> list[Word]:
    """The words of ``image`` with their boxes, in reading order."""
    out = []
    for row in csv.DictReader(io.StringIO(_tesseract(image, "tsv")), delimiter="\t",
                              quoting=csv.QUOTE_NONE):
        text = (row.get("text") or "").strip()
        if row.get("level") != "5" or not text:
            continue
        box = tuple(int(row[k]) // SCALE for k in ("left", "top", "width", "height"))
        line = (int(row["block_num"]), int(row["par_num"]), int(row["line_num"]))
        out.append(Word(text, box, line))  # type: ignore[arg-type]
    return out


def find_text(image: Path, text: str) -> Box | None:
    """The box of the first run of words on one line that reads ``text`` (any case)."""
    wanted = text.lower().split()
    found = words(image)
    for start in range(len(found)):
        run = found[start:start + len(wanted)]
        if len(run) < len(wanted) or len({w.line for w in run}) != 1:
            continue
        if [w.text.lower() for w in run] == wanted:
            left, top = run[0].box[0], min(w.box[1] for w in run)
            right = run[-1].box[0] + run[-1].box[2]
            bottom = max(w.box[1] + w.box[3] for w in run)
            return left, top, right - left, bottom - top
    return None


def window_text(driver: DesktopDriver, window: Window) -> str:
    """The text OCR reads on ``window`` now, on one line."""
    with tempfile.TemporaryDirectory(prefix="finbots-ocr-") as tmp:
        shot = Path(tmp) / "window.png"
        driver.screenshot(shot, driver.box(window).box)
        return " ".join(image_text(shot).split())
