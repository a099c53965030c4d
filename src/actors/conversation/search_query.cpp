#include "actors/conversation/search_query.hpp"

#include <algorithm>
#include <charconv>
#include <vector>

#include "actors/conversation/search_tokens.hpp"
#include "schema/validation.hpp"

namespace chat::search {
namespace {

api_error bad(std::string message) { return {errc::bad_request, std::move(message)}; }

bool starts_with_ci(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size())
    return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    char c = s[i];
    if (c >= 'A' && c <= 'Z')
      c = static_cast<char>(c - 'A' + 'a');
    if (c != prefix[i])
      return false;
  }
  return true;
}

template <class T>
bool number(std::string_view s, T& out) {
  if (s.empty())
    return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc{} && p == s.data() + s.size();
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

void add_unique(std::vector<std::string>& v, std::string s) {
  if (std::find(v.begin(), v.end(), s) == v.end())
    v.push_back(std::move(s));
}

} // namespace

std::optional<std::int64_t> parse_time(std::string_view s) {
  // YYYY-MM-DD, then optionally THH:MM[:SS]Z.
  if (s.size() < 10 || s[4] != '-' || s[7] != '-')
    return std::nullopt;
  int y = 0;
  unsigned mo = 0, d = 0;
  if (!number(s.substr(0, 4), y) || !number(s.substr(5, 2), mo) || !number(s.substr(8, 2), d)
      || y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31)
    return std::nullopt;
  std::int64_t secs = days_from_civil(y, mo, d) * 86400;
  auto rest = s.substr(10);
  if (!rest.empty()) {
    if (rest.size() != 7 && rest.size() != 10)
      return std::nullopt;
    if (rest[0] != 'T' || rest[3] != ':' || rest.back() != 'Z')
      return std::nullopt;
    unsigned h = 0, mi = 0, se = 0;
    if (!number(rest.substr(1, 2), h) || !number(rest.substr(4, 2), mi) || h > 23 || mi > 59)
      return std::nullopt;
    if (rest.size() == 10 && (rest[6] != ':' || !number(rest.substr(7, 2), se) || se > 59))
      return std::nullopt;
    secs += h * 3600 + mi * 60 + se;
  }
  return secs * 1000;
}

api_error parse_query(std::string_view q, search_request& out, std::string& from) {
  if (q.size() > max_query_bytes)
    return bad("q must be at most " + std::to_string(max_query_bytes) + " bytes");
  if (!validate::utf8(q))
    return bad("q must be valid UTF-8");
  from.clear();
  std::size_t i = 0;
  while (i < q.size()) {
    while (i < q.size() && (q[i] == ' ' || q[i] == '\t' || q[i] == '\n' || q[i] == '\r'))
      ++i;
    std::size_t j = i;
    while (j < q.size() && q[j] != ' ' && q[j] != '\t' && q[j] != '\n' && q[j] != '\r')
      ++j;
    auto chunk = q.substr(i, j - i);
    i = j;
    if (chunk.empty())
      continue;
    if (starts_with_ci(chunk, "from:")) {
      if (!from.empty())
        return bad("at most one from: per query");
      from = std::string{chunk.substr(5)};
      if (from.empty() || from.size() > 64)
        return bad("from: takes a username or a user id");
      continue;
    }
    bool after = starts_with_ci(chunk, "after:");
    if (after || starts_with_ci(chunk, "before:")) {
      auto t = parse_time(chunk.substr(after ? 6 : 7));
      if (!t)
        return bad("after: and before: take a date like 2026-12-03 or 2026-12-03T15:04:05Z");
      (after ? out.after_ms : out.before_ms) = *t;
      continue;
    }
    bool prefix = chunk.size() > 1 && chunk.back() == '*';
    auto words = tokenize(prefix ? chunk.substr(0, chunk.size() - 1) : chunk);
    if (words.empty() && prefix)
      return bad("a prefix needs at least " + std::to_string(min_prefix_bytes)
                 + " letters or digits before *");
    for (std::size_t k = 0; k < words.size(); ++k) {
      if (prefix && k + 1 == words.size()) {
        if (words[k].size() < min_prefix_bytes)
          return bad("a prefix needs at least " + std::to_string(min_prefix_bytes)
                     + " letters or digits before *");
        add_unique(out.prefixes, std::move(words[k]));
      } else {
        add_unique(out.words, std::move(words[k]));
      }
    }
    if (out.words.size() + out.prefixes.size() > max_query_terms)
      return bad("at most " + std::to_string(max_query_terms) + " words per query");
  }
  if (out.words.empty() && out.prefixes.empty() && from.empty())
    return bad("q needs at least one word, prefix or from:");
  return {errc::ok, {}};
}

std::string encode_cursor(std::int64_t ts, std::uint64_t seq, const std::string& conv) {
  return std::to_string(ts) + '.' + std::to_string(seq) + '.' + conv;
}

bool decode_cursor(std::string_view s, search_request& out) {
  auto a = s.find('.');
  if (a == std::string_view::npos)
    return false;
  auto b = s.find('.', a + 1);
  if (b == std::string_view::npos || b + 1 >= s.size() || s.size() > 128)
    return false;
  std::int64_t ts = 0;
  std::uint64_t seq = 0;
  if (!number(s.substr(0, a), ts) || !number(s.substr(a + 1, b - a - 1), seq) || seq == 0)
    return false;
  out.has_cursor = true;
  out.cursor_ts = ts;
  out.cursor_seq = seq;
  out.cursor_conv = std::string{s.substr(b + 1)};
  return true;
}

} // namespace chat::search
