#pragma once
// Request targets: splitting path and query, percent-decoding, query params.
// Pure functions, no I/O.
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace chat::net {

/// Decodes `%XX` escapes; with `plus_is_space` (query strings) also `+`.
/// Empty optional on a malformed escape.
std::optional<std::string> percent_decode(std::string_view s, bool plus_is_space = false);

/// A request target cut at the first `?`.
struct target_parts {
  std::string_view path;
  std::string_view query; ///< without the `?`; empty when absent
};

/// Splits `/a/b?x=1` into path and query.
target_parts split_target(std::string_view target) noexcept;

/// Decoded `name=value` pairs of a query string, in order.
class query_params {
public:
  /// Parses `a=1&b=&c`; empty optional when an escape is malformed.
  static std::optional<query_params> parse(std::string_view query);

  /// The first value of `name`, or null when absent.
  const std::string* find(std::string_view name) const noexcept;

  const std::vector<std::pair<std::string, std::string>>& items() const noexcept { return items_; }

private:
  std::vector<std::pair<std::string, std::string>> items_;
};

} // namespace chat::net
