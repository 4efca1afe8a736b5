# embed.cmake — turn a file into a C array, at build time:
#   cmake -DINPUT=page.html -DOUTPUT=page.c -DSYMBOL=nash_dashboard_html -P embed.cmake
# defines `const unsigned char SYMBOL[]` (NUL-terminated) and `const unsigned long SYMBOL_size`
# (without the NUL), so the monitor serves the page without reading files at run time.
file(READ "${INPUT}" hex HEX)
string(LENGTH "${hex}" hex_len)
math(EXPR size "${hex_len} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
string(REGEX REPLACE "(0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,)" "\\1\n" bytes "${bytes}")
file(WRITE "${OUTPUT}"
  "/* Generated from ${INPUT} by embed.cmake; do not edit. */\n"
  "extern const unsigned char ${SYMBOL}[];\n"
  "extern const unsigned long ${SYMBOL}_size;\n"
  "const unsigned char ${SYMBOL}[] = {\n${bytes}0x00};\n"
  "const unsigned long ${SYMBOL}_size = ${size}UL;\n")
