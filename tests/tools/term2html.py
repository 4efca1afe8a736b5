#!/usr/bin/python3
"""term2html.py — a tmux pane as an HTML page, so a headless browser can take its picture.

    tmux capture-pane -p -e -t SESSION > pane.txt
    /usr/bin/python3 tests/tools/term2html.py pane.txt "title" > pane.html
    chromium --headless --screenshot=pane.png --window-size=W,H file://$PWD/pane.html

Keeps the text exactly as captured; understands the SGR escapes capture-pane -e writes (bold,
the 8/16 basic colours, 256-colour and RGB foregrounds, reset). Used for the README's picture of
the terminal dashboard (docs/monitor.md says how it was made).
"""
import html
import re
import sys

BASIC = ["#2e3436", "#cc0000", "#4e9a06", "#c4a000", "#3465a4", "#75507b", "#06989a", "#d3d7cf"]
BRIGHT = ["#555753", "#ef2929", "#8ae234", "#fce94f", "#729fcf", "#ad7fa8", "#34e2e2", "#eeeeec"]


def colour256(n):
    if n < 8:
        return BASIC[n]
    if n < 16:
        return BRIGHT[n - 8]
    if n < 232:
        n -= 16
        steps = [0, 95, 135, 175, 215, 255]
        return "#%02x%02x%02x" % (steps[n // 36], steps[n // 6 % 6], steps[n % 6])
    v = 8 + 10 * (n - 232)
    return "#%02x%02x%02x" % (v, v, v)


def convert(text):
    out, fg, bold = [], None, False
    for part in re.split(r"(\x1b\[[0-9;]*m)", text):
        if part.startswith("\x1b["):
            codes = [int(c) if c else 0 for c in part[2:-1].split(";")]
            i = 0
            while i < len(codes):
                c = codes[i]
                if c == 0:
                    fg, bold = None, False
                elif c == 1:
                    bold = True
                elif c == 22:
                    bold = False
                elif 30 <= c <= 37:
                    fg = BASIC[c - 30]
                elif 90 <= c <= 97:
                    fg = BRIGHT[c - 90]
                elif c == 39:
                    fg = None
                elif c == 38 and i + 2 < len(codes) and codes[i + 1] == 5:
                    fg = colour256(codes[i + 2])
                    i += 2
                elif c == 38 and i + 4 < len(codes) and codes[i + 1] == 2:
                    fg = "#%02x%02x%02x" % tuple(codes[i + 2:i + 5])
                    i += 4
                i += 1
            continue
        if not part:
            continue
        style = []
        if fg:
            style.append("color:" + fg)
        if bold:
            style.append("font-weight:bold")
        escaped = html.escape(part)
        out.append(f'<span style="{";".join(style)}">{escaped}</span>' if style else escaped)
    return "".join(out)


def main():
    text = open(sys.argv[1], encoding="utf-8", errors="replace").read()
    title = sys.argv[2] if len(sys.argv) > 2 else "terminal"
    print("<!doctype html><html><head><meta charset='utf-8'><title>%s</title><style>"
          "body{margin:0;background:#1e1e1e}pre{margin:0;padding:10px 12px;color:#d4d4d4;"
          "font:14px/1.25 'DejaVu Sans Mono',monospace}</style></head><body><pre>%s</pre></body></html>"
          % (html.escape(title), convert(text.rstrip("\n"))))


if __name__ == "__main__":
    main()
