# embed.cmake -- writes a data file into a C source as one string constant, so the
# importer's built-in header words (headers.txt) need no file at run time.
#   cmake -DIN=headers.txt -DOUT=headers-data.c -DNAME=cf__headers_builtin -P embed.cmake
file(READ ${IN} text)
string(REPLACE "\\" "\\\\" text "${text}")
string(REPLACE "\"" "\\\"" text "${text}")
string(REPLACE "\n" "\\n\"\n\"" text "${text}")
file(WRITE ${OUT} "/* Generated from ${IN} by embed.cmake; do not edit. */\nconst char ${NAME}[] =\n\"${text}\";\n")
