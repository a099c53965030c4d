#include "actors/conversation/mentions.hpp"

#include <algorithm>

namespace chat::mentions {
namespace {

constexpr std::size_t min_name = 3;
constexpr std::size_t max_name = 32;

bool name_char(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
}

} // namespace

std::vector<std::string> names_in(std::string_view text) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < text.size() && out.size() < max_per_message; ++i) {
    if (text[i] != '@' || (i > 0 && name_char(text[i - 1])))
      continue;
    std::size_t end = i + 1;
    while (end < text.size() && name_char(text[end]))
      ++end;
    auto name = text.substr(i + 1, end - i - 1);
    // "@bob." or "@bob-" at the end of a sentence: the name is "bob".
    while (!name.empty() && (name.back() == '.' || name.back() == '-'))
      name.remove_suffix(1);
    i = end - 1;
    // A longer run (or an upper-case letter right after) is no username.
    if (name.size() < min_name || name.size() > max_name
        || (end < text.size() && text[end] >= 'A' && text[end] <= 'Z'))
      continue;
    if (std::find(out.begin(), out.end(), name) == out.end())
      out.emplace_back(name);
  }
  return out;
}

void member_names::add(const std::string& user_id, const std::string& username) {
  by_id_[user_id] = username;
  by_name_[username] = user_id;
}

void member_names::forget(const std::string& user_id) {
  auto it = by_id_.find(user_id);
  if (it == by_id_.end())
    return;
  by_name_.erase(it->second);
  by_id_.erase(it);
}

std::vector<std::string> member_names::resolve(std::string_view text) const {
  std::vector<std::string> out;
  for (const auto& name : names_in(text))
    if (auto it = by_name_.find(name); it != by_name_.end())
      out.push_back(it->second);
  return out;
}

} // namespace chat::mentions
