#include "net/router.hpp"

#include <algorithm>
#include <optional>
#include <stdexcept>

namespace chat::net {
namespace {

constexpr std::size_t max_segments = 32;

/// Splits "/a/b" into {"a","b"}; "/" into {""}.
std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> out;
  if (path.empty() || path.front() != '/')
    return out;
  path.remove_prefix(1);
  for (;;) {
    auto slash = path.find('/');
    out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos)
      break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

} // namespace

void router::add(http::verb method, std::string_view pattern, handler h) {
  add(method, pattern, std::move(h), false);
}

void router::add(http::verb method, std::string_view pattern, token_first_handler h) {
  add(method, pattern, std::move(h.h), true);
}

void router::add(http::verb method, std::string_view pattern, handler h, bool token_first) {
  for (auto& r : routes_) {
    if (r.pattern == pattern) {
      for (const auto& m : r.methods)
        if (m.method == method)
          throw std::logic_error("route registered twice: " + std::string{pattern});
      r.methods.push_back({method, std::move(h), token_first});
      return;
    }
  }
  route r;
  r.pattern = pattern;
  auto parts = split_path(pattern);
  if (parts.empty())
    throw std::logic_error("route pattern must start with '/': " + std::string{pattern});
  for (auto p : parts) {
    bool param = p.size() >= 2 && p.front() == '{' && p.back() == '}';
    r.segments.push_back({std::string{param ? p.substr(1, p.size() - 2) : p}, param});
  }
  r.methods.push_back({method, std::move(h), token_first});
  routes_.push_back(std::move(r));
}

void router::set_body_limit(http::verb method, std::string_view pattern, std::size_t bytes) {
  for (auto& r : routes_)
    if (r.pattern == pattern)
      for (auto& m : r.methods)
        if (m.method == method) {
          m.body_limit = bytes;
          largest_body_limit_ = std::max(largest_body_limit_, bytes);
          return;
        }
  throw std::logic_error("body limit for an unknown route: " + std::string{pattern});
}

router::match router::find(http::verb method, std::string_view path) const {
  match out;
  auto raw = split_path(path);
  if (raw.size() > max_segments)
    return out; // longer than any route; also keeps the rank bitmask in range
  std::vector<std::string> parts;
  parts.reserve(raw.size());
  // An undecodable segment keeps its raw text and matches parameters only.
  std::size_t malformed = 0; // bit i: segment i could not be decoded
  for (std::size_t i = 0; i < raw.size(); ++i) {
    auto d = percent_decode(raw[i]);
    if (!d)
      malformed |= std::size_t{1} << i;
    parts.push_back(d ? std::move(*d) : std::string{raw[i]});
  }

  // The best route is the one whose first parameter comes latest (literals
  // win at the earliest difference); ties cannot happen between distinct
  // patterns of the same shape, as those would be the same pattern.
  const route* best = nullptr;
  std::size_t best_literals = 0;
  for (const auto& r : routes_) {
    if (r.segments.size() != parts.size())
      continue;
    bool ok = true;
    std::size_t literals = 0;
    for (std::size_t i = 0; i < parts.size() && ok; ++i) {
      const auto& s = r.segments[i];
      if (s.is_param)
        ok = !parts[i].empty();
      else if (s.text == parts[i] && !(malformed & (std::size_t{1} << i)))
        literals |= std::size_t{1} << (parts.size() - 1 - i);
      else
        ok = false;
    }
    if (ok && (!best || literals > best_literals)) {
      best = &r;
      best_literals = literals;
    }
  }
  if (!best) {
    if (malformed)
      out.kind = result::bad_path;
    return out;
  }
  if (malformed) {
    out.kind = result::bad_path;
    for (const auto& m : best->methods)
      if (m.method == method) {
        out.target = &m.h;
        out.token_first = m.token_first;
        out.route = best->pattern;
      }
    return out;
  }

  out.route = best->pattern;
  for (std::size_t i = 0; i < parts.size(); ++i)
    if (best->segments[i].is_param)
      out.params.emplace_back(best->segments[i].text, std::move(parts[i]));
  for (const auto& m : best->methods) {
    if (m.method == method) {
      out.kind = result::found;
      out.target = &m.h;
      out.token_first = m.token_first;
      out.body_limit = m.body_limit;
      return out;
    }
  }
  out.kind = result::method_not_allowed;
  for (const auto& m : best->methods) {
    if (!out.allow.empty())
      out.allow += ", ";
    out.allow += std::string_view{http::to_string(m.method)};
  }
  return out;
}

std::vector<std::pair<http::verb, std::string>> router::routes() const {
  std::vector<std::pair<http::verb, std::string>> out;
  for (const auto& r : routes_)
    for (const auto& m : r.methods)
      out.emplace_back(m.method, r.pattern);
  return out;
}

} // namespace chat::net
