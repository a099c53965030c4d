#include "chatctl/completion.hpp"

#include <algorithm>
#include <cctype>

#include <boost/json.hpp>

#include "chatctl/commands.hpp"

namespace chat::ctl {
namespace json = boost::json;
namespace {

/// `<kind>_<4 hex><20 base32>` (schema/ids.hpp).
char id_kind(std::string_view s) {
  if (s.size() != 26 || s[1] != '_')
    return 0;
  for (std::size_t i = 2; i < 6; ++i)
    if (!std::isxdigit(static_cast<unsigned char>(s[i])))
      return 0;
  for (std::size_t i = 6; i < s.size(); ++i) {
    char c = s[i];
    if (!((c >= 'a' && c <= 'z') || (c >= '2' && c <= '7')))
      return 0;
  }
  return s[0];
}

void add_matching(std::vector<std::string>& out, const auto& words, std::string_view prefix) {
  for (const auto& w : words) {
    std::string_view v{w};
    if (v.substr(0, prefix.size()) == prefix)
      out.emplace_back(v);
  }
}

} // namespace

vocabulary::vocabulary(std::vector<std::string> node_ids) : nodes_(std::move(node_ids)) {}

void vocabulary::harvest(const json::value& doc) {
  if (auto* a = doc.if_array()) {
    for (const auto& v : *a)
      harvest(v);
  } else if (auto* o = doc.if_object()) {
    for (const auto& kv : *o) {
      if (kv.key() == "username" && kv.value().is_string())
        usernames_.emplace(kv.value().get_string());
      else
        harvest(kv.value());
    }
  } else if (auto* s = doc.if_string()) {
    remember(*s);
  }
}

void vocabulary::harvest_words(const std::vector<std::string>& words) {
  for (const auto& w : words)
    remember(w);
}

void vocabulary::remember(std::string_view word) {
  switch (id_kind(word)) {
  case 'u': users_.emplace(word); break;
  case 's': sessions_.emplace(word); break;
  case 'c': convs_.emplace(word); break;
  default: break;
  }
}

std::vector<std::string> vocabulary::candidates(const std::vector<std::string>& before,
                                                std::string_view prefix) const {
  std::vector<std::string> out;
  auto commands = [&] {
    std::vector<std::string> names;
    for (const auto& c : command_table())
      names.emplace_back(c.name);
    names.emplace_back("exit");
    return names;
  };
  if (before.empty()) {
    add_matching(out, commands(), prefix);
  } else {
    const std::string& cmd = before[0];
    const std::string& last = before.back();
    std::size_t pos = before.size(); // index of the word being typed
    if (cmd == "help" && pos == 1) {
      add_matching(out, commands(), prefix);
    } else if (cmd == "actors") {
      if (last == "--node")
        add_matching(out, nodes_, prefix);
      else
        add_matching(out, std::vector<std::string>{"--node"}, prefix);
    } else if (cmd == "conversations") {
      add_matching(out, std::vector<std::string>{"--hot"}, prefix);
    } else if ((cmd == "sessions" || cmd == "block-user" || cmd == "unblock-user") && pos == 1) {
      add_matching(out, users_, prefix);
      add_matching(out, usernames_, prefix);
    } else if (cmd == "delete-message" && pos == 1) {
      add_matching(out, convs_, prefix);
    } else if ((cmd == "kick" || cmd == "revoke") && pos == 1) {
      add_matching(out, sessions_, prefix);
    } else if (cmd == "history") {
      if (last == "-n")
        ; // a number: nothing to offer
      else if (pos == 1)
        add_matching(out, convs_, prefix);
      else
        add_matching(out, std::vector<std::string>{"-n"}, prefix);
    } else if (cmd == "transfer") {
      if (pos == 1) { // group g is led by default by node g: one group per node
        std::vector<std::string> groups;
        for (std::size_t g = 0; g < nodes_.size(); ++g)
          groups.push_back(std::to_string(g));
        add_matching(out, groups, prefix);
      } else if (pos == 2) {
        add_matching(out, nodes_, prefix);
      }
    } else if (cmd == "inspect") {
      if (pos == 1) {
        add_matching(out, inspect_kinds(), prefix);
      } else if (pos == 2) {
        const std::string& kind = before[1];
        if (kind == "conv" || kind == "conversation")
          add_matching(out, convs_, prefix);
        else if (kind == "user")
          add_matching(out, users_, prefix);
        else if (kind == "session")
          add_matching(out, sessions_, prefix);
      }
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::string common_prefix(const std::vector<std::string>& words) {
  if (words.empty())
    return {};
  std::string p = words[0];
  for (const auto& w : words) {
    std::size_t i = 0;
    while (i < p.size() && i < w.size() && p[i] == w[i])
      ++i;
    p.resize(i);
  }
  return p;
}

} // namespace chat::ctl
