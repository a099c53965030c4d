#include "net/http_framing.hpp"

#include <boost/beast/core/string.hpp>

namespace chat::net {
namespace {

namespace http = boost::beast::http;

} // namespace

std::string_view framing_problem(const http::fields& headers) {
  int encodings = 0;
  bool chunked = false;
  bool has_length = false;
  std::string_view length;
  for (const auto& f : headers) {
    if (f.name() == http::field::transfer_encoding) {
      ++encodings;
      chunked = boost::beast::iequals(trim_ows(f.value()), "chunked");
    } else if (f.name() == http::field::content_length) {
      // One value per field, or a list of equal values ("5, 5"): compare
      // each item with the first one seen.
      std::string_view rest = f.value();
      while (true) {
        auto comma = rest.find(',');
        auto item = trim_ows(rest.substr(0, comma));
        if (!has_length) {
          has_length = true;
          length = item;
        } else if (item != length) {
          return "two different Content-Length values";
        }
        if (comma == std::string_view::npos)
          break;
        rest.remove_prefix(comma + 1);
      }
    }
  }
  if (encodings == 0)
    return {};
  if (encodings > 1)
    return "more than one Transfer-Encoding header";
  if (!chunked)
    return "a Transfer-Encoding other than chunked";
  if (has_length)
    return "both Transfer-Encoding and Content-Length";
  return {};
}

} // namespace chat::net
