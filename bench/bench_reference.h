/* What a corpus response holds, found by a deliberately simple reference routine that shares
 * no code with any parser under test: the benches compare their first iteration with it.
 * Common subset of C11 and C++17 (both benches include it); static functions only.
 *
 * It trusts the corpus: one response, CRLF line ends, no 1xx head. It reads the status code,
 * counts field lines (an obs-fold continuation line is not a new field), takes the body length
 * from Content-Length or by walking the chunk-size lines, and reports whether the head or the
 * trailers contain obs-fold (the htpx parser rewrites obs-fold in place, so such a file must be
 * copied into a work buffer before each iteration). */
#ifndef HTPX_BENCH_REFERENCE_H
#define HTPX_BENCH_REFERENCE_H

#include <stddef.h>
#include <stdint.h>

struct bench_expected {
  int ok;                 /* 1 when the file could be understood */
  const char* why;        /* when ok == 0 */
  unsigned status;        /* status code of the status line */
  size_t headers;         /* field lines in the head */
  size_t trailers;        /* field lines in the trailer section (chunked only) */
  uint64_t body;          /* payload bytes (chunk data without framing when chunked) */
  size_t total;           /* bytes the response occupies (the rest of the file is not part of it) */
  int chunked;            /* Transfer-Encoding: chunked */
  int has_obs_fold;       /* a field line continued by obs-fold, in the head or the trailers */
};

static int bench_lower(int c) { return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c; }

/* Returns 1 when the line [p, p + n) starts with `name` followed by ':' (any case). */
static int bench_field_is(const char* p, size_t n, const char* name) {
  size_t i = 0;
  for (; name[i] != '\0'; ++i) {
    if (i >= n || bench_lower((unsigned char)p[i]) != name[i]) return 0;
  }
  return i < n && p[i] == ':';
}

/* Returns the offset of the next CRLF at or after `from`, or `size` when there is none. */
static size_t bench_find_crlf(const char* d, size_t size, size_t from) {
  size_t i = from;
  while (i + 1 < size && !(d[i] == '\r' && d[i + 1] == '\n')) ++i;
  return i + 1 < size ? i : size;
}

/* Counts the field lines starting at `*pos` up to and including the empty line; advances `*pos`
 * past it. Returns 0 when the section never ends. Notes Content-Length and chunked. */
static int bench_fields(const char* d, size_t size, size_t* pos, size_t* count, int* fold,
                        uint64_t* content_length, int* has_length, int* chunked) {
  for (;;) {
    const size_t eol = bench_find_crlf(d, size, *pos);
    if (eol == size) return 0;
    const char* line = d + *pos;
    const size_t n = eol - *pos;
    *pos = eol + 2;
    if (n == 0) return 1;
    if (line[0] == ' ' || line[0] == '\t') {
      *fold = 1;
      continue;
    }
    ++*count;
    if (bench_field_is(line, n, "content-length")) {
      uint64_t v = 0;
      for (size_t i = 15; i < n; ++i) {
        if (line[i] >= '0' && line[i] <= '9') v = v * 10u + (uint64_t)(line[i] - '0');
      }
      *content_length = v;
      *has_length = 1;
    } else if (bench_field_is(line, n, "transfer-encoding")) {
      for (size_t i = 18; i + 7 <= n; ++i) {
        size_t k = 0;
        while (k < 7 && bench_lower((unsigned char)line[i + k]) == "chunked"[k]) ++k;
        if (k == 7) *chunked = 1;
      }
    }
  }
}

static int bench_hex(int c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = bench_lower(c);
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

static struct bench_expected bench_reference(const char* d, size_t size) {
  struct bench_expected e = {0, "", 0, 0, 0, 0, 0, 0, 0};
  /* status-line = "HTTP/1.x" SP 3DIGIT SP reason CRLF */
  if (size < 12 || d[0] != 'H' || d[8] != ' ') { e.why = "no status line"; return e; }
  for (int i = 9; i < 12; ++i) {
    if (d[i] < '0' || d[i] > '9') { e.why = "no status code"; return e; }
    e.status = e.status * 10u + (unsigned)(d[i] - '0');
  }
  size_t pos = bench_find_crlf(d, size, 0);
  if (pos == size) { e.why = "status line never ends"; return e; }
  pos += 2;
  uint64_t content_length = 0;
  int has_length = 0;
  if (!bench_fields(d, size, &pos, &e.headers, &e.has_obs_fold, &content_length, &has_length, &e.chunked)) {
    e.why = "head never ends";
    return e;
  }
  if (e.status == 204 || e.status == 304 || e.status < 200) {
    e.body = 0;
  } else if (e.chunked) {
    for (;;) {
      uint64_t chunk = 0;
      int digits = 0;
      while (pos < size && bench_hex((unsigned char)d[pos]) >= 0) {
        chunk = chunk * 16u + (uint64_t)bench_hex((unsigned char)d[pos]);
        ++pos;
        ++digits;
      }
      const size_t eol = bench_find_crlf(d, size, pos); /* skips any chunk extension */
      if (digits == 0 || eol == size) { e.why = "bad chunk-size line"; return e; }
      pos = eol + 2;
      if (chunk == 0) break;
      if (chunk > size - pos || size - pos - (size_t)chunk < 2) { e.why = "truncated chunk"; return e; }
      e.body += chunk;
      pos += (size_t)chunk + 2;
    }
    uint64_t ignored_length = 0;
    int ignored_flag = 0;
    int ignored_chunked = 0;
    if (!bench_fields(d, size, &pos, &e.trailers, &e.has_obs_fold, &ignored_length, &ignored_flag,
                      &ignored_chunked)) {
      e.why = "trailer section never ends";
      return e;
    }
  } else if (has_length) {
    if (content_length > size - pos) { e.why = "body shorter than Content-Length"; return e; }
    e.body = content_length;
    pos += (size_t)content_length;
  } else {
    e.body = size - pos; /* delimited by the close */
    pos = size;
  }
  e.total = pos;
  e.ok = 1;
  return e;
}

#endif /* HTPX_BENCH_REFERENCE_H */
