#include "chatctl/render.hpp"

#include <algorithm>
#include <cmath>
#include <optional>
#include <cstdio>
#include <ctime>

#include <boost/json.hpp>

#include "chatctl/table.hpp"

namespace chat::ctl {
namespace json = boost::json;
namespace {

const json::value* get(const json::value& v, const char* key) {
  if (auto* o = v.if_object())
    if (auto it = o->find(key); it != o->end())
      return &it->value();
  return nullptr;
}

const json::array& array_of(const json::value& v, const char* key) {
  static const json::array none;
  auto* f = get(v, key);
  return f && f->is_array() ? f->get_array() : none;
}

/// Any scalar as text: strings without quotes, numbers as written, null as "-".
std::string text(const json::value* v) {
  if (!v || v->is_null())
    return "-";
  if (v->is_string()) {
    std::string out;
    for (char c : v->get_string()) {
      if (c == '\n')
        out += "\\n";
      else if (c == '\t' || c == '\r')
        out += ' ';
      else if (static_cast<unsigned char>(c) < 0x20)
        out += '?';
      else
        out += c;
    }
    return out;
  }
  if (v->is_bool())
    return v->get_bool() ? "yes" : "no";
  if (v->is_double()) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2f", v->get_double());
    return buf;
  }
  return json::serialize(*v);
}

std::string text(const json::value& parent, const char* key) { return text(get(parent, key)); }

std::optional<double> number(const json::value* v) {
  if (!v)
    return std::nullopt;
  if (v->is_int64())
    return static_cast<double>(v->get_int64());
  if (v->is_uint64())
    return static_cast<double>(v->get_uint64());
  if (v->is_double())
    return v->get_double();
  return std::nullopt;
}

/// A rate with two decimals.
std::string rate(const json::value& parent, const char* key) {
  auto n = number(get(parent, key));
  if (!n)
    return text(parent, key);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", *n);
  return buf;
}

/// Milliseconds since the epoch as local "YYYY-MM-DD HH:MM:SS".
std::string timestamp(const json::value& parent, const char* key) {
  auto n = number(get(parent, key));
  if (!n)
    return text(parent, key);
  std::time_t t = static_cast<std::time_t>(*n / 1000);
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  return buf;
}

/// Seconds as "42s", "3m07s", "5h02m", "2d04h".
std::string duration(const json::value& parent, const char* key) {
  auto n = number(get(parent, key));
  if (!n)
    return text(parent, key);
  auto s = static_cast<long long>(*n);
  char buf[32];
  if (s < 60)
    std::snprintf(buf, sizeof buf, "%llds", s);
  else if (s < 3600)
    std::snprintf(buf, sizeof buf, "%lldm%02llds", s / 60, s % 60);
  else if (s < 86400)
    std::snprintf(buf, sizeof buf, "%lldh%02lldm", s / 3600, (s % 3600) / 60);
  else
    std::snprintf(buf, sizeof buf, "%lldd%02lldh", s / 86400, (s % 86400) / 3600);
  return buf;
}

bool is_down(const json::value& node) { return text(node, "status") == "down"; }

/// "direct" or "group" from a conversation's `direct` flag.
std::string conversation_kind(const json::value& conv) {
  auto* direct = get(conv, "direct");
  if (!direct || !direct->is_bool())
    return "-";
  return direct->get_bool() ? "direct" : "group";
}

/// "key n, key n, ..." from an object of counts, sorted by key.
std::string counts(const json::value* v) {
  if (!v || !v->is_object() || v->get_object().empty())
    return "-";
  std::vector<std::string> parts;
  for (const auto& kv : v->get_object())
    parts.push_back(std::string(kv.key()) + " " + text(&kv.value()));
  std::sort(parts.begin(), parts.end());
  std::string out;
  for (const auto& p : parts)
    out += (out.empty() ? "" : ", ") + p;
  return out;
}

/// "key  value" lines, keys padded to one width.
class block {
public:
  void add(std::string key, std::string value) {
    rows_.emplace_back(std::move(key), std::move(value));
  }
  std::string str() const {
    std::size_t w = 0;
    for (const auto& r : rows_)
      w = std::max(w, text_width(r.first));
    std::string out;
    for (const auto& [k, v] : rows_)
      out += k + std::string(w + 2 - text_width(k), ' ') + v + "\n";
    return out;
  }

private:
  std::vector<std::pair<std::string, std::string>> rows_;
};

std::string connections_table(const json::array& conns, bool with_session) {
  std::vector<std::string> head{"NODE", "REMOTE", "SINCE", "QUEUED"};
  if (with_session)
    head.insert(head.begin() + 1, "SESSION");
  table t{head};
  t.align_right({head.size() - 1});
  for (const auto& c : conns) {
    std::vector<std::string> row{text(c, "node"), text(c, "remote"), timestamp(c, "since"),
                                 text(c, "queued")};
    if (with_session)
      row.insert(row.begin() + 1, text(c, "session"));
    t.add(std::move(row));
  }
  return t.str();
}

std::string plural(std::size_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

// ---------------------------------------------------------------- commands

/// The actor counts of a `nodes` entry: sessions, users, conversations,
/// and all kinds together (`actors` lists every kind).
std::vector<std::string> actor_columns(const json::value& node) {
  const json::value* a = get(node, "actors");
  if (!a || !a->is_object())
    return {"-", "-", "-", "-"};
  double total = 0;
  for (const auto& kv : a->get_object())
    total += number(&kv.value()).value_or(0);
  return {text(*a, "session"), text(*a, "user"), text(*a, "conversation"),
          std::to_string(static_cast<long long>(total))};
}

std::string nodes(const json::value& doc) {
  table t{{"NODE", "ADDRESS", "CLUSTER", "STATUS", "UPTIME", "CONNS", "SESSIONS", "USERS",
           "CONVS", "ACTORS"}};
  t.align_right({4, 5, 6, 7, 8, 9});
  for (const auto& n : array_of(doc, "nodes")) {
    if (is_down(n)) {
      t.add({text(n, "id"), text(n, "address"), text(n, "cluster_address"), "down", "-", "-",
             "-", "-", "-", "-"});
      continue;
    }
    std::vector<std::string> row{text(n, "id"), text(n, "address"), text(n, "cluster_address"),
                                 text(n, "status"), duration(n, "uptime_s"),
                                 text(n, "connections")};
    for (auto& c : actor_columns(n))
      row.push_back(std::move(c));
    t.add(std::move(row));
  }
  return t.str();
}

std::string actors(const json::value& doc) {
  table t{{"NODE", "KIND", "COUNT", "MAILBOX"}};
  t.align_right({2, 3});
  for (const auto& n : array_of(doc, "nodes")) {
    if (is_down(n)) {
      t.add({text(n, "id"), "(down)", "-", "-"});
      continue;
    }
    for (const auto& a : array_of(n, "actors"))
      t.add({text(n, "id"), text(a, "kind"), text(a, "count"), text(a, "mailbox")});
  }
  return t.str();
}

std::string sessions(const json::value& doc) {
  const json::value* user = get(doc, "user");
  const auto& list = array_of(doc, "sessions");
  std::size_t n_conns = 0;
  for (const auto& s : list)
    n_conns += array_of(s, "connections").size();
  std::string out = "user " + (user ? text(*user, "username") : "-") + " (" +
                    (user ? text(*user, "id") : "-") + "): " +
                    plural(list.size(), "session", "sessions") + ", " +
                    plural(n_conns, "connection", "connections") + "\n";
  if (list.empty())
    return out;
  table t{{"SESSION", "CREATED", "LAST SEEN", "CONNS", "USER AGENT"}};
  t.align_right({3});
  json::array conns;
  for (const auto& s : list) {
    t.add({text(s, "id"), timestamp(s, "created_at"), timestamp(s, "last_seen"),
           std::to_string(array_of(s, "connections").size()), text(s, "user_agent")});
    for (const auto& c : array_of(s, "connections")) {
      json::object row = c.is_object() ? c.get_object() : json::object{};
      row["session"] = s.is_object() && get(s, "id") ? *get(s, "id") : json::value{};
      conns.push_back(std::move(row));
    }
  }
  out += "\n" + t.str();
  if (!conns.empty())
    out += "\n" + connections_table(conns, true);
  return out;
}

std::string conversations(const json::value& doc) {
  table t{{"CONVERSATION", "NODE", "KIND", "MEMBERS", "LAST SEQ", "MSG/S", "TITLE"}};
  t.align_right({3, 4, 5});
  for (const auto& c : array_of(doc, "conversations")) {
    t.add({text(c, "id"), text(c, "node"), conversation_kind(c), text(c, "members"),
           text(c, "last_seq"),
           rate(c, "messages_per_s"), text(c, "title")});
  }
  std::string out = t.empty() ? "no active conversations\n" : t.str();
  const auto& down = array_of(doc, "down");
  if (!down.empty()) {
    std::string ids;
    for (const auto& d : down)
      ids += (ids.empty() ? "" : ", ") + text(&d);
    out += "not listed (down): " + ids + "\n";
  }
  return out;
}

std::string inspect_conv(const json::value& doc) {
  block b;
  b.add("conversation", text(doc, "id"));
  b.add("node", text(doc, "node"));
  b.add("title", text(doc, "title"));
  b.add("kind", conversation_kind(doc));
  b.add("owner", text(doc, "owner"));
  b.add("last seq", text(doc, "last_seq"));
  b.add("messages/s", rate(doc, "messages_per_s"));
  b.add("subscribers", counts(get(doc, "subscribers")));
  std::string out = b.str();
  table t{{"MEMBER", "ROLE"}};
  for (const auto& m : array_of(doc, "members"))
    t.add({text(m, "user"), text(m, "role")});
  out += "\n" + t.str();
  return out;
}

std::string inspect_user(const json::value& doc) {
  block b;
  b.add("user", text(doc, "id"));
  b.add("username", text(doc, "username"));
  b.add("display name", text(doc, "display_name"));
  b.add("home node", text(doc, "home"));
  b.add("online", text(doc, "online"));
  std::string convs;
  for (const auto& c : array_of(doc, "conversations"))
    convs += (convs.empty() ? "" : " ") + text(&c);
  b.add("conversations", convs.empty() ? "-" : convs);
  std::string out = b.str();
  if (const auto& conns = array_of(doc, "connections"); !conns.empty())
    out += "\n" + connections_table(conns, true);
  if (const auto& inv = array_of(doc, "pending_invitations"); !inv.empty()) {
    table t{{"INVITATION", "CONVERSATION", "FROM"}};
    for (const auto& i : inv)
      t.add({text(i, "id"), text(i, "conv"), text(i, "from")});
    out += "\n" + t.str();
  }
  return out;
}

std::string inspect_session(const json::value& doc) {
  block b;
  b.add("session", text(doc, "id"));
  b.add("user", text(doc, "user"));
  b.add("created", timestamp(doc, "created_at"));
  b.add("last seen", timestamp(doc, "last_seen"));
  b.add("user agent", text(doc, "user_agent"));
  std::string out = b.str();
  if (const auto& conns = array_of(doc, "connections"); !conns.empty())
    out += "\n" + connections_table(conns, false);
  else
    out += "no live connections\n";
  return out;
}

std::string stats(const json::value& doc) {
  table t{{"NODE", "STATUS", "STORED/S", "DELIVERED/S", "CONNS", "SYNC MS", "STORED",
           "DELIVERED"}};
  t.align_right({2, 3, 4, 5, 6, 7});
  for (const auto& n : array_of(doc, "nodes")) {
    if (is_down(n)) {
      t.add({text(n, "id"), "down", "-", "-", "-", "-", "-", "-"});
      continue;
    }
    t.add({text(n, "id"), text(n, "status"), rate(n, "messages_stored_per_s"),
           rate(n, "deliveries_per_s"), text(n, "connections"), rate(n, "storage_sync_ms"),
           text(n, "messages_stored_total"), text(n, "deliveries_total")});
  }
  return t.str();
}

std::string history(const json::value& doc) {
  const auto& msgs = array_of(doc, "messages");
  if (msgs.empty())
    return "no messages in " + text(doc, "conv") + "\n";
  table t{{"SEQ", "TIME", "FROM", "TEXT"}};
  t.align_right({0});
  for (const auto& m : msgs)
    t.add({text(m, "seq"), timestamp(m, "ts"), text(m, "from"), text(m, "text")});
  return t.str();
}

} // namespace

std::string render(const std::string& command, const std::vector<std::string>& args,
                   const json::value& doc) {
  if (command == "nodes")
    return nodes(doc);
  if (command == "actors")
    return actors(doc);
  if (command == "sessions")
    return sessions(doc);
  if (command == "conversations")
    return conversations(doc);
  if (command == "inspect") {
    auto kind = text(doc, "kind");
    if (kind == "conversation")
      return inspect_conv(doc);
    if (kind == "user")
      return inspect_user(doc);
    if (kind == "session")
      return inspect_session(doc);
  }
  if (command == "kick") {
    auto n = number(get(doc, "connections"));
    return "kicked " + text(doc, "kicked") + ": " +
           (n ? plural(static_cast<std::size_t>(*n), "connection", "connections")
              : text(doc, "connections")) +
           " closed (4001); the session stays valid\n";
  }
  if (command == "revoke")
    return "revoked " + text(doc, "revoked") + ": its tokens no longer work on any node\n";
  if (command == "stats")
    return stats(doc);
  if (command == "history")
    return history(doc);
  return json::serialize(doc) + "\n";
}

} // namespace chat::ctl
