// Compiled (never run) for the size target: each array below is as long as the type it names,
// so `arm-none-eabi-nm -S` reads sizeof() on the target without executing target code.
#include "htpx/h1/chunked_decoder.hpp"
#include "htpx/h1/connection.hpp"
#include "htpx/h1/field_parser.hpp"
#include "htpx/h1/parser_limits.hpp"
#include "htpx/h1/response_parser.hpp"

extern const char htpx_sizeof_connection[sizeof(htpx::h1::connection)] = {};
extern const char htpx_sizeof_response_parser[sizeof(htpx::h1::response_parser)] = {};
extern const char htpx_sizeof_chunked_decoder[sizeof(htpx::h1::chunked_decoder)] = {};
extern const char htpx_sizeof_field_parser[sizeof(htpx::h1::field_parser)] = {};
extern const char htpx_sizeof_parser_limits[sizeof(htpx::h1::parser_limits)] = {};
