#pragma once
// Structured logs: one JSON object per line on stderr, with level, time,
// node and component. Never pass secrets, passwords or tokens as fields.
#include <initializer_list>
#include <string_view>
#include <utility>

#include <boost/json/value.hpp>
#include <boost/json/value_from.hpp>

namespace chat::log {

enum class level { debug = 0, info, warn, error };

/// One structured field of a log line; any value Boost.JSON can represent.
struct field {
  template <class T>
  field(std::string_view k, T&& v) : key(k), value(boost::json::value_from(std::forward<T>(v))) {}
  std::string_view key;
  boost::json::value value;
};

/// Sets the node id stamped on every line and the lowest level written.
void configure(std::string_view node_id, level min_level);

/// Parses "debug" | "info" | "warn" | "error"; false when unknown.
bool parse_level(std::string_view name, level& out);

bool enabled(level l) noexcept;

void write(level l, std::string_view component, std::string_view message,
           std::initializer_list<field> fields = {});

inline void debug(std::string_view c, std::string_view m, std::initializer_list<field> f = {}) {
  if (enabled(level::debug))
    write(level::debug, c, m, f);
}
inline void info(std::string_view c, std::string_view m, std::initializer_list<field> f = {}) {
  write(level::info, c, m, f);
}
inline void warn(std::string_view c, std::string_view m, std::initializer_list<field> f = {}) {
  write(level::warn, c, m, f);
}
inline void error(std::string_view c, std::string_view m, std::initializer_list<field> f = {}) {
  write(level::error, c, m, f);
}

} // namespace chat::log
