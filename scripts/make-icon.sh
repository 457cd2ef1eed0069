#!/bin/sh
# Draws media/icon.png (the Marketplace icon, 128x128) with ImageMagick: a dark rounded tile,
# the letters "ab" typed, and a lighter ghost-text "c|" after them, as the extension shows it.
# Run from the repository root: sh scripts/make-icon.sh (CONVERT=/usr/bin/convert to pick one;
# the font is Debian's fonts-dejavu-core).
set -e
"${CONVERT:-convert}" -size 128x128 xc:none \
  -fill '#1e2a3a' -draw 'roundrectangle 4,4 123,123 22,22' \
  -font /usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf -pointsize 46 \
  -fill '#e8eef6' -annotate +14+80 'ab' \
  -fill '#7f93ad' -annotate +69+80 'c' \
  -fill '#4fc1ff' -draw 'rectangle 100,44 104,92' \
  -strip media/icon.png
