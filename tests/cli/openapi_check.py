# openapi_check.py -- docs/openapi.yaml read with the Python standard library alone, and
# every answer a peer receives checked against the schema the document declares for it.
#
# Why: a peer system generates its client from docs/openapi.yaml. An answer whose shape the
# document does not declare (a status it does not list, a field of another type, an event
# type outside an enum) breaks such a client although every curl example works. This module
# reads the document (a small YAML reader for the subset the file is written in: block
# mappings and sequences, flow {...} and [...], quoted and plain scalars, | and >- blocks)
# and validates a JSON answer against the response the document gives for its path, method
# and status (OpenAPI 3.0's subset of JSON Schema: type, nullable, enum, required,
# properties, additionalProperties, items, minItems, minimum, maximum, pattern, format
# date-time and date, $ref).
import json
import re

# --- YAML (the subset docs/openapi.yaml uses) -------------------------------------------


def _scalar(text):
    t = text.strip()
    if t == "":
        return None
    if t[0] == '"':
        return json.loads(t)
    if t[0] == "'":
        return t[1:-1].replace("''", "'")
    if t in ("true", "false"):
        return t == "true"
    if t in ("null", "~"):
        return None
    if re.fullmatch(r"-?[0-9]+", t):
        return int(t)
    if re.fullmatch(r"-?[0-9]+\.[0-9]+", t):
        return float(t)
    return t


def _strip_comment(line):
    """The line without a trailing # comment (outside quotes)."""
    q = None
    for i, c in enumerate(line):
        if q:
            if c == q:
                q = None
        elif c in "\"'":
            q = c
        elif c == "#" and (i == 0 or line[i - 1] in " \t"):
            return line[:i].rstrip()
    return line.rstrip()


class _Flow:
    """A flow collection ({a: b, c: [d]}) parsed from one string."""

    def __init__(self, s):
        self.s, self.i = s, 0

    def ws(self):
        while self.i < len(self.s) and self.s[self.i] in " \t\n":
            self.i += 1

    def value(self):
        self.ws()
        c = self.s[self.i]
        if c == "{":
            self.i += 1
            out = {}
            while True:
                self.ws()
                if self.s[self.i] == "}":
                    self.i += 1
                    return out
                k = _scalar(self.plain(":"))
                self.i += 1  # ':'
                out[k] = self.value()
                self.ws()
                if self.s[self.i] == ",":
                    self.i += 1
        if c == "[":
            self.i += 1
            out = []
            while True:
                self.ws()
                if self.s[self.i] == "]":
                    self.i += 1
                    return out
                out.append(self.value())
                self.ws()
                if self.s[self.i] == ",":
                    self.i += 1
        return _scalar(self.plain(",]}"))

    def plain(self, stops):
        self.ws()
        start = self.i
        if self.s[self.i] in "\"'":
            q = self.s[self.i]
            self.i += 1
            while True:
                c = self.s[self.i]
                if q == '"' and c == "\\":
                    self.i += 2
                elif c == q and q == "'" and self.s[self.i:self.i + 2] == "''":
                    self.i += 2
                elif c == q:
                    break
                else:
                    self.i += 1
            self.i += 1
            return self.s[start:self.i]
        while self.i < len(self.s):
            c = self.s[self.i]
            if c in stops and (c != ":" or self.i + 1 >= len(self.s) or self.s[self.i + 1] in " \t"):
                break
            self.i += 1
        return self.s[start:self.i].strip()


def _flow(text):
    f = _Flow(text)
    v = f.value()
    f.ws()
    if f.i != len(f.s):
        raise ValueError("trailing text in flow value: " + text)
    return v


def _key_value(s):
    """(key, rest) of 'key: rest' or None (a quoted key too)."""
    m = re.match(r'^("(?:[^"\\]|\\.)*"|\'[^\']*\'|[^\'"{\[][^:]*?|[^:\s][^:]*?)\s*:(\s+|$)(.*)$', s)
    if not m:
        return None
    k = m.group(1)
    return (_scalar(k) if k[0] in "\"'" else k), m.group(3)


def load_yaml(text):
    lines = []
    for raw in text.split("\n"):
        ln = raw.rstrip()
        lines.append((len(ln) - len(ln.lstrip(" ")), ln.strip()))
    pos = [0]

    def skip_blank():
        while pos[0] < len(lines) and (lines[pos[0]][1] == "" or lines[pos[0]][1].startswith("#")):
            pos[0] += 1

    def block_scalar(indent, style):
        out = []
        body_indent = None
        while pos[0] < len(lines):
            ind, s = lines[pos[0]]
            if s and ind <= indent:
                break
            if s and body_indent is None:
                body_indent = ind
            raw = text.split("\n")[pos[0]]
            out.append(raw[body_indent:] if s else "")
            pos[0] += 1
        while out and out[-1] == "":
            out.pop()
        if style.startswith(">"):
            return " ".join(x for x in out if x)
        return "\n".join(out) + ("" if style.endswith("-") else "\n")

    def value_after(rest, indent):
        rest = _strip_comment(rest).strip()
        if rest == "":
            pos[0] += 1
            skip_blank()
            if pos[0] < len(lines) and (lines[pos[0]][0] > indent or
                                         (lines[pos[0]][0] == indent and lines[pos[0]][1].startswith("- "))):
                return node(lines[pos[0]][0])
            return None
        if rest[0] in "|>":
            pos[0] += 1
            return block_scalar(indent, rest)
        if rest[0] in "{[":
            buf = rest
            pos[0] += 1
            while buf.count("{") + buf.count("[") > buf.count("}") + buf.count("]"):
                buf += " " + _strip_comment(lines[pos[0]][1])
                pos[0] += 1
            return _flow(buf)
        pos[0] += 1
        return _scalar(rest)

    def node(indent):
        skip_blank()
        ind, s = lines[pos[0]]
        if s.startswith("- ") or s == "-":
            out = []
            while pos[0] < len(lines):
                skip_blank()
                if pos[0] >= len(lines):
                    break
                ind, s = lines[pos[0]]
                if ind != indent or not (s.startswith("- ") or s == "-"):
                    break
                rest = s[2:] if s != "-" else ""
                if _key_value(rest) and rest[0] not in "{[\"'":
                    # a mapping starting on the dash's line: reindent it
                    lines[pos[0]] = (indent + 2, rest)
                    out.append(node(indent + 2))
                else:
                    out.append(value_after(rest, indent))
            return out
        out = {}
        while pos[0] < len(lines):
            skip_blank()
            if pos[0] >= len(lines):
                break
            ind, s = lines[pos[0]]
            if ind != indent or s.startswith("- "):
                if ind > indent:
                    raise ValueError("line %d: unexpected indentation" % (pos[0] + 1))
                break
            kv = _key_value(s)
            if kv is None:
                raise ValueError("line %d: not a key: %s" % (pos[0] + 1, s))
            out[kv[0]] = value_after(kv[1], indent)
        return out

    skip_blank()
    return node(0)


# --- the document and its schemas ----------------------------------------------------------


class OpenAPI:
    def __init__(self, path):
        with open(path, encoding="utf-8") as f:
            self.doc = load_yaml(f.read())
        self.routes = []
        for p, item in self.doc["paths"].items():
            rx = "^" + re.sub(r"\\\{[a-z_0-9]+\\\}", "[^/]+", re.escape(p)) + "$"
            self.routes.append((re.compile(rx), p, item))

    def resolve(self, node):
        while isinstance(node, dict) and "$ref" in node:
            cur = self.doc
            for part in node["$ref"].lstrip("#/").split("/"):
                cur = cur[part]
            node = cur
        return node

    def route(self, path):
        path = path.split("?", 1)[0]
        # the literal path first (/v1/alerts/deliveries before /v1/alerts/{alert_id}/...)
        best = None
        for rx, p, item in self.routes:
            if rx.match(path) and (best is None or p.count("{") < best[0].count("{")):
                best = (p, item)
        return best

    def response(self, method, path, status):
        """(declared, schema or None, where): what the document says of this answer."""
        r = self.route(path)
        if r is None:
            return False, None, "no path of docs/openapi.yaml matches " + path
        p, item = r
        op = item.get(method.lower())
        if op is None:
            return False, None, "%s %s is not in docs/openapi.yaml" % (method, p)
        resp = op["responses"].get(str(status)) or op["responses"].get("default")
        if resp is None:
            return False, None, "%s %s: status %d is not declared (declared: %s)" % (
                method, p, status, ", ".join(sorted(map(str, op["responses"]))))
        resp = self.resolve(resp)
        content = resp.get("content") or {}
        media = content.get("application/json")
        return True, (media or {}).get("schema"), "%s %s %d" % (method, p, status)

    def validate(self, schema, value, where="$"):
        """The list of the ways value breaks schema (empty: it conforms)."""
        errs = []
        self._check(self.resolve(schema), value, where, errs)
        return errs

    def _check(self, s, v, at, errs):
        s = self.resolve(s)
        if not isinstance(s, dict) or not s:
            return
        if v is None:
            if not s.get("nullable") and "type" in s:
                errs.append("%s: null, the schema says %s (not nullable)" % (at, s.get("type")))
            return
        t = s.get("type")
        ok = {"object": isinstance(v, dict), "array": isinstance(v, list), "string": isinstance(v, str),
              "boolean": isinstance(v, bool),
              "integer": isinstance(v, int) and not isinstance(v, bool),
              "number": isinstance(v, (int, float)) and not isinstance(v, bool)}
        if t and not ok.get(t, True):
            errs.append("%s: %s, the schema says %s" % (at, type(v).__name__, t))
            return
        if "enum" in s and v not in s["enum"]:
            errs.append("%s: %r is not one of the schema's enum %s" % (at, v, s["enum"]))
        if isinstance(v, str):
            if "pattern" in s and not re.search(s["pattern"], v):
                errs.append("%s: %r does not match %s" % (at, v, s["pattern"]))
            fmt = s.get("format")
            if fmt == "date-time" and not re.fullmatch(
                    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})", v):
                errs.append("%s: %r is not a date-time" % (at, v))
            if fmt == "date" and not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", v):
                errs.append("%s: %r is not a date" % (at, v))
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            if "minimum" in s and v < s["minimum"]:
                errs.append("%s: %r below the minimum %r" % (at, v, s["minimum"]))
            if "maximum" in s and v > s["maximum"]:
                errs.append("%s: %r above the maximum %r" % (at, v, s["maximum"]))
        if isinstance(v, list):
            if "minItems" in s and len(v) < s["minItems"]:
                errs.append("%s: %d items, fewer than minItems %d" % (at, len(v), s["minItems"]))
            if "items" in s:
                for i, x in enumerate(v):
                    self._check(s["items"], x, "%s[%d]" % (at, i), errs)
        if isinstance(v, dict):
            for k in s.get("required", []):
                if k not in v:
                    errs.append("%s: no %s, which the schema requires" % (at, k))
            props = s.get("properties", {})
            extra = s.get("additionalProperties", True)
            for k, x in v.items():
                if k in props:
                    self._check(props[k], x, at + "." + k, errs)
                elif extra is False:
                    errs.append("%s: %s is not a property the schema declares" % (at, k))
                elif isinstance(extra, dict):
                    self._check(extra, x, at + "." + k, errs)
