/* http-parser-bench FILE ITERATIONS
 *
 * The peer of htpx-parse-bench (same loop, same checks, same output) with Debian's
 * http-parser 2.9.x (libhttp-parser-dev): http_parser_init(HTTP_RESPONSE) per response, one
 * http_parser_execute() over the whole buffer (plus the zero-length "EOF" call when the message
 * did not complete, which ends a close-delimited body), headers and body bytes counted in
 * callbacks. http-parser never writes to its input, so the same buffer is parsed every time.
 *
 * Exit status: 0 on success, 1 when the first iteration disagrees with the reference routine
 * in bench_reference.h or status is not 200, 2 on a usage or I/O error. */
#define _POSIX_C_SOURCE 200809L

#include <http_parser.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_reference.h"

struct counts {
  size_t headers;
  size_t trailers;
  uint64_t body;
  int in_field;      /* the last callback was on_header_field (a field may arrive in pieces) */
  int head_done;     /* on_headers_complete seen: later fields are trailers */
  int complete;      /* on_message_complete seen */
};

static int on_header_field(http_parser* p, const char* at, size_t length) {
  struct counts* c = (struct counts*)p->data;
  (void)at;
  (void)length;
  if (!c->in_field) {
    if (c->head_done) ++c->trailers;
    else ++c->headers;
    c->in_field = 1;
  }
  return 0;
}

static int on_header_value(http_parser* p, const char* at, size_t length) {
  (void)at;
  (void)length;
  ((struct counts*)p->data)->in_field = 0;
  return 0;
}

static int on_headers_complete(http_parser* p) {
  struct counts* c = (struct counts*)p->data;
  c->head_done = 1;
  c->in_field = 0;
  return 0;
}

static int on_body(http_parser* p, const char* at, size_t length) {
  (void)at;
  ((struct counts*)p->data)->body += length;
  return 0;
}

static int on_message_complete(http_parser* p) {
  ((struct counts*)p->data)->complete = 1;
  return 0;
}

struct outcome {
  int ok;
  const char* why;
  unsigned status;
  size_t headers;
  size_t trailers;
  uint64_t body;
  size_t consumed;
};

static const http_parser_settings settings = {
    .on_header_field = on_header_field,
    .on_header_value = on_header_value,
    .on_headers_complete = on_headers_complete,
    .on_body = on_body,
    .on_message_complete = on_message_complete,
};

/* One response from one buffer. noinline so callgrind shows the harness apart from the parser. */
__attribute__((noinline)) static struct outcome parse_once(http_parser* parser, const char* data, size_t size) {
  struct outcome out = {0, "", 0, 0, 0, 0, 0};
  struct counts c = {0, 0, 0, 0, 0, 0};
  http_parser_init(parser, HTTP_RESPONSE);
  parser->data = &c;
  out.consumed = http_parser_execute(parser, &settings, data, size);
  if (!c.complete && HTTP_PARSER_ERRNO(parser) == HPE_OK) (void)http_parser_execute(parser, &settings, NULL, 0);
  if (HTTP_PARSER_ERRNO(parser) != HPE_OK) {
    out.why = http_errno_description(HTTP_PARSER_ERRNO(parser));
  } else if (!c.complete) {
    out.why = "message incomplete";
  } else {
    out.ok = 1;
  }
  out.status = parser->status_code;
  out.headers = c.headers;
  out.trailers = c.trailers;
  out.body = c.body;
  return out;
}

static int read_file(const char* path, char** data, size_t* size) {
  FILE* f = fopen(path, "rb");
  if (f == NULL) return 0;
  size_t cap = 4096;
  size_t n = 0;
  char* buf = (char*)malloc(cap);
  for (;;) {
    if (buf == NULL) break;
    const size_t got = fread(buf + n, 1, cap - n, f);
    n += got;
    if (n < cap) break;
    cap *= 2;
    char* bigger = (char*)realloc(buf, cap);
    if (bigger == NULL) free(buf);
    buf = bigger;
  }
  const int ok = buf != NULL && ferror(f) == 0;
  fclose(f);
  *data = buf;
  *size = n;
  return ok;
}

static const char* base_name(const char* path) {
  const char* slash = strrchr(path, '/');
  return slash != NULL ? slash + 1 : path;
}

static int check(const struct outcome* got, const struct bench_expected* want, const char* file) {
  const int good = got->ok && got->status == 200 && got->status == want->status && got->headers == want->headers &&
                   got->trailers == want->trailers && got->body == want->body && got->consumed == want->total;
  if (good) return 0;
  fprintf(stderr,
          "http-parser-bench: %s: MISMATCH\n"
          "  http-parser: ok=%d (%s) status=%u headers=%zu trailers=%zu body=%llu consumed=%zu\n"
          "  reference:   status=%u (200 required) headers=%zu trailers=%zu body=%llu consumed=%zu\n",
          file, got->ok, got->why, got->status, got->headers, got->trailers, (unsigned long long)got->body,
          got->consumed, want->status, want->headers, want->trailers, (unsigned long long)want->body, want->total);
  return 1;
}

static double now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

int main(int argc, char** argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: %s FILE ITERATIONS\n", argv[0]);
    return 2;
  }
  const char* const path = argv[1];
  char* num_end = NULL;
  const unsigned long long iterations = strtoull(argv[2], &num_end, 10);
  if (*argv[2] == '\0' || *num_end != '\0' || iterations == 0) {
    fprintf(stderr, "http-parser-bench: ITERATIONS must be a positive integer\n");
    return 2;
  }
  char* data = NULL;
  size_t file_size = 0;
  if (!read_file(path, &data, &file_size) || file_size == 0) {
    fprintf(stderr, "http-parser-bench: cannot read %s\n", path);
    return 2;
  }
  const struct bench_expected want = bench_reference(data, file_size);
  if (!want.ok) {
    fprintf(stderr, "http-parser-bench: %s: reference routine: %s\n", path, want.why);
    return 1;
  }
  const size_t size = want.total;

  http_parser parser;
  uint64_t sum_status = 0;
  uint64_t sum_headers = 0;
  uint64_t sum_body = 0;
  const double start = now_ns();
  for (unsigned long long i = 0; i < iterations; ++i) {
    const struct outcome got = parse_once(&parser, data, size);
    if (i == 0 && check(&got, &want, path) != 0) return 1;
    sum_status += got.status;
    sum_headers += got.headers;
    sum_body += got.body;
  }
  const double ns = now_ns() - start;
  const double n = (double)iterations;
  printf("http-parser file=%s bytes=%zu iterations=%llu status=%u headers=%zu body=%llu copy=no walk=no "
         "ns_per_response=%.1f mb_per_s=%.1f sums=%llu/%llu/%llu/0 version=%lu.%lu.%lu\n",
         base_name(path), size, iterations, want.status, want.headers, (unsigned long long)want.body, ns / n,
         ns > 0 ? (double)size * n / ns * 1e3 : 0.0, (unsigned long long)sum_status,
         (unsigned long long)sum_headers, (unsigned long long)sum_body, (http_parser_version() >> 16) & 255,
         (http_parser_version() >> 8) & 255, http_parser_version() & 255);
  free(data);
  return 0;
}
