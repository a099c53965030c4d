#pragma once
// `@username` mentions (docs/protocol.md "Mentions"): finding the names a
// text mentions, and resolving them against a conversation's members.
// Usernames never change, so a conversation keeps the names of the members
// it has looked up for as long as it lives; only members resolve, any
// other name stays plain text.
#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace chat::mentions {

/// Distinct users one message may mention; names past that stay plain text.
constexpr std::size_t max_per_message = 50;

/// The candidate usernames `@name` in `text`, distinct, in order of first
/// appearance, at most max_per_message. A name is 3-32 characters of
/// `a-z 0-9 _ . -` after an `@` that does not follow a name character (so
/// `mail@host` is no mention); a trailing `.` or `-` is punctuation.
std::vector<std::string> names_in(std::string_view text);

/// The usernames of a conversation's members, as far as looked up.
class member_names {
public:
  void add(const std::string& user_id, const std::string& username);
  void forget(const std::string& user_id);
  bool knows(const std::string& user_id) const { return by_id_.count(user_id) > 0; }

  /// Of `members`, those whose name is not known yet.
  template <class Members>
  std::vector<std::string> unknown(const Members& members) const {
    std::vector<std::string> out;
    for (const auto& [user, m] : members)
      if (!knows(user))
        out.push_back(user);
    return out;
  }

  /// The member ids the text mentions, in order of first mention.
  std::vector<std::string> resolve(std::string_view text) const;

private:
  std::unordered_map<std::string, std::string> by_id_;
  std::unordered_map<std::string, std::string> by_name_;
};

} // namespace chat::mentions
