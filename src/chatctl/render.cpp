#include "chatctl/render.hpp"

#include <algorithm>
#include <cstdio>
#include <ctime>

#include "chatctl/table.hpp"

namespace chat::ctl {
namespace {

/// A string as one table cell: newlines shown as \n, other control
/// characters made harmless.
std::string text(const std::string& s) {
  std::string out;
  for (char c : s) {
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

/// An optional string ("-" when empty).
std::string text_or_dash(const std::string& s) { return s.empty() ? "-" : text(s); }

template <class Int>
std::string num(Int n) {
  return std::to_string(n);
}

std::string yes_no(bool b) { return b ? "yes" : "no"; }

/// A rate with two decimals.
std::string rate(double r) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", r);
  return buf;
}

/// Milliseconds since the epoch as local "YYYY-MM-DD HH:MM:SS".
std::string timestamp(std::int64_t ms) {
  std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  return buf;
}

/// Seconds as "42s", "3m07s", "5h02m", "2d04h".
std::string duration(std::int64_t s) {
  auto n = static_cast<long long>(s);
  char buf[32];
  if (n < 60)
    std::snprintf(buf, sizeof buf, "%llds", n);
  else if (n < 3600)
    std::snprintf(buf, sizeof buf, "%lldm%02llds", n / 60, n % 60);
  else if (n < 86400)
    std::snprintf(buf, sizeof buf, "%lldh%02lldm", n / 3600, (n % 3600) / 60);
  else
    std::snprintf(buf, sizeof buf, "%lldd%02lldh", n / 86400, (n % 86400) / 3600);
  return buf;
}

std::string conversation_kind(bool direct) { return direct ? "direct" : "group"; }

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

std::string connections_table(const std::vector<connection_info>& conns, bool with_session) {
  std::vector<std::string> head{"NODE", "REMOTE", "SINCE", "QUEUED"};
  if (with_session)
    head.insert(head.begin() + 1, "SESSION");
  table t{head};
  t.align_right({head.size() - 1});
  for (const auto& c : conns) {
    std::vector<std::string> row{text(c.node), text(c.remote), timestamp(c.since), num(c.queued)};
    if (with_session)
      row.insert(row.begin() + 1, text(c.session));
    t.add(std::move(row));
  }
  return t.str();
}

std::string plural(std::size_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

std::uint64_t count_of(const std::vector<kind_count>& kinds, const std::string& kind) {
  for (const auto& k : kinds)
    if (k.kind == kind)
      return k.count;
  return 0;
}

// ---------------------------------------------------------------- commands

std::string render_one(const nodes_report& r) {
  table t{{"NODE", "ADDRESS", "CLUSTER", "STATUS", "UPTIME", "CONNS", "SESSIONS", "USERS",
           "CONVS", "ACTORS", "LEADS"}};
  t.align_right({4, 5, 6, 7, 8, 9, 10});
  for (const auto& n : r.nodes) {
    const auto& a = n.node;
    if (!a.up) {
      t.add({text(a.id), text(a.address), text(a.cluster_address), "down", "-", "-", "-", "-",
             "-", "-", "-"});
      continue;
    }
    // Sessions, users, conversations, and all kinds together (`actors`
    // lists every kind).
    std::uint64_t total = 0;
    for (const auto& k : n.actors)
      total += k.count;
    t.add({text(a.id), text(a.address), text(a.cluster_address), "up", duration(n.uptime_s),
           num(n.connections), num(count_of(n.actors, "session")),
           num(count_of(n.actors, "user")), num(count_of(n.actors, "conversation")), num(total),
           r.replicated ? num(n.leads) : "-"});
  }
  return t.str();
}

std::string render_one(const actors_report& r) {
  table t{{"NODE", "KIND", "COUNT", "MAILBOX"}};
  t.align_right({2, 3});
  for (const auto& n : r.nodes) {
    if (!n.node.up) {
      t.add({text(n.node.id), "(down)", "-", "-"});
      continue;
    }
    for (const auto& a : n.actors)
      t.add({text(n.node.id), text(a.kind), num(a.count), num(a.mailbox)});
  }
  return t.str();
}

std::string render_one(const stats_report& r) {
  table t{{"NODE", "STATUS", "STORED/S", "DELIVERED/S", "CONNS", "SYNC MS", "STORED",
           "DELIVERED"}};
  t.align_right({2, 3, 4, 5, 6, 7});
  for (const auto& n : r.nodes) {
    if (!n.node.up) {
      t.add({text(n.node.id), "down", "-", "-", "-", "-", "-", "-"});
      continue;
    }
    t.add({text(n.node.id), "up", rate(n.messages_stored_per_s), rate(n.deliveries_per_s),
           num(n.connections), rate(n.storage_sync_ms), num(n.messages_stored_total),
           num(n.deliveries_total)});
  }
  return t.str();
}

std::string render_one(const conversations_report& r) {
  table t{{"CONVERSATION", "NODE", "KIND", "MEMBERS", "LAST SEQ", "MSG/S", "TITLE"}};
  t.align_right({3, 4, 5});
  for (const auto& c : r.conversations)
    t.add({text(c.id), text(c.node), conversation_kind(c.direct), num(c.members),
           num(c.last_seq), rate(c.messages_per_s), text(c.title)});
  std::string out = t.empty() ? "no active conversations\n" : t.str();
  if (!r.down.empty()) {
    std::string ids;
    for (const auto& d : r.down)
      ids += (ids.empty() ? "" : ", ") + text(d);
    out += "not listed (down): " + ids + "\n";
  }
  return out;
}

std::string render_one(const user_sessions& r) {
  std::size_t n_conns = 0;
  for (const auto& s : r.sessions)
    n_conns += s.connections.size();
  std::string out = "user " + text(r.username) + " (" + text(r.user_id) + "): " +
                    plural(r.sessions.size(), "session", "sessions") + ", " +
                    plural(n_conns, "connection", "connections") + "\n";
  if (r.sessions.empty())
    return out;
  table t{{"SESSION", "CREATED", "LAST SEEN", "CONNS", "USER AGENT"}};
  t.align_right({3});
  std::vector<connection_info> conns;
  for (const auto& s : r.sessions) {
    t.add({text(s.session.id), timestamp(s.session.created_at), timestamp(s.session.last_seen),
           num(s.connections.size()), text_or_dash(s.session.user_agent)});
    conns.insert(conns.end(), s.connections.begin(), s.connections.end());
  }
  out += "\n" + t.str();
  if (!conns.empty())
    out += "\n" + connections_table(conns, true);
  return out;
}

std::string render_one(const conversation_inspection& r) {
  const auto& c = r.conversation;
  // Subscribers per node: "n1 2, n2 1", sorted by node id.
  std::vector<std::string> parts;
  for (const auto& s : r.subscribers)
    parts.push_back(text(s.node) + " " + num(s.count));
  std::sort(parts.begin(), parts.end());
  std::string subscribers;
  for (const auto& p : parts)
    subscribers += (subscribers.empty() ? "" : ", ") + p;
  block b;
  b.add("conversation", text(c.id));
  b.add("node", text(c.node));
  b.add("title", text(c.title));
  b.add("kind", conversation_kind(c.direct));
  b.add("owner", text(c.owner));
  b.add("last seq", num(c.last_seq));
  b.add("messages/s", rate(c.messages_per_s));
  b.add("subscribers", subscribers.empty() ? "-" : subscribers);
  std::string out = b.str();
  table t{{"MEMBER", "ROLE"}};
  for (const auto& m : c.members)
    t.add({text(m.user), text(m.role)});
  out += "\n" + t.str();
  return out;
}

std::string render_one(const user_inspection& r) {
  block b;
  b.add("user", text(r.id));
  b.add("username", text(r.username));
  b.add("display name", text(r.display_name));
  b.add("home node", text(r.home));
  b.add("online", yes_no(!r.connections.empty()));
  std::string convs;
  for (const auto& c : r.conversations)
    convs += (convs.empty() ? "" : " ") + text(c);
  b.add("conversations", convs.empty() ? "-" : convs);
  std::string out = b.str();
  if (!r.connections.empty())
    out += "\n" + connections_table(r.connections, true);
  if (!r.pending_invitations.empty()) {
    table t{{"INVITATION", "CONVERSATION", "FROM"}};
    for (const auto& i : r.pending_invitations)
      t.add({text(i.id), text(i.conv), text(i.from)});
    out += "\n" + t.str();
  }
  return out;
}

std::string render_one(const session_inspection& r) {
  const auto& s = r.session;
  block b;
  b.add("session", text(s.id));
  b.add("user", text(s.user));
  b.add("created", timestamp(s.created_at));
  b.add("last seen", timestamp(s.last_seen));
  b.add("user agent", text_or_dash(s.user_agent));
  std::string out = b.str();
  if (!r.connections.empty())
    out += "\n" + connections_table(r.connections, false);
  else
    out += "no live connections\n";
  return out;
}

std::string render_one(const kick_result& r) {
  return "kicked " + text(r.session) + ": " +
         plural(static_cast<std::size_t>(r.connections), "connection", "connections") +
         " closed (4001); the session stays valid\n";
}

std::string render_one(const auth_session_info& revoked) {
  return "revoked " + text(revoked.id) + ": its tokens no longer work on any node\n";
}

std::string render_one(const moderation_result& m) {
  if (m.action == "deleted")
    return "deleted message " + num(m.seq) + " of " + text(m.subject) + " (the deletion is seq " +
           num(m.event_seq) + ")\n";
  auto who = text(m.username) + " (" + text(m.subject) + ")";
  if (m.action == "blocked")
    return "blocked " + who + ": " + num(m.sessions) + (m.sessions == 1 ? " session" : " sessions") +
           " ended; they cannot log in until unblock-user\n";
  return "unblocked " + who + ": they may log in again\n";
}

std::string render_one(const history_report& r) {
  if (r.messages.empty())
    return "no messages in " + text(r.conv) + "\n";
  table t{{"SEQ", "TIME", "FROM", "TEXT"}};
  t.align_right({0});
  for (const auto& m : r.messages)
    t.add({num(m.seq), timestamp(m.ts), text(m.from), text(m.text)});
  return t.str();
}

std::string joined(const std::vector<std::string>& v, const char* sep) {
  std::string out;
  for (const auto& s : v)
    out += (out.empty() ? "" : sep) + text(s);
  return out;
}

std::string render_one(const shards_report& r) {
  if (r.replicas <= 1)
    return "replication is off (replicas = 1)\n";
  table t{{"GROUP", "LEADER", "TERM", "COMMIT", "APPLIED", "REPLICAS", "LAG"}};
  t.align_right({0, 2, 3, 4});
  std::string notes;
  for (const auto& g : r.groups) {
    if (g.reported_by.empty()) {
      t.add({num(g.group), "-", "-", "-", "-", joined(g.replicas, ","), "-"});
      notes += "group " + num(g.group) + ": none of its replicas answered\n";
      continue;
    }
    bool leaders_view = !g.leader.empty() && g.reported_by == g.leader;
    std::string leader = text_or_dash(g.leader);
    if (leaders_view && !g.serving)
      leader += " (not serving yet)";
    // Per follower "n2 0" (entries behind) or "n2 down"; only the leader knows.
    std::vector<std::string> lags;
    for (const auto& f : g.followers)
      lags.push_back(f.node + " " + (f.recent ? num(f.lag) : std::string("down")));
    t.add({num(g.group), leader, num(g.term), num(g.commit_index), num(g.applied_index),
           joined(g.replicas, ","), leaders_view ? joined(lags, ", ") : "-"});
    if (!leaders_view)
      notes += "group " + num(g.group) + ": no answer from a leader; shown as " +
               text(g.reported_by) + " sees it\n";
  }
  std::string out = t.str() + notes;
  if (!r.down.empty())
    out += "no answer (down): " + joined(r.down, ", ") + "\n";
  return out;
}

std::string render_one(const transfer_result& r) {
  if (r.from == r.to)
    return "group " + num(r.group) + " is already led by " + text(r.to) + " (term " +
           num(r.term) + ")\n";
  return "group " + num(r.group) + ": leadership moved from " + text(r.from) + " to " +
         text(r.to) + " (term " + num(r.term) + ")\n";
}

} // namespace

std::string render(const admin_reply& reply) {
  return std::visit([](const auto& r) { return render_one(r); }, reply);
}

} // namespace chat::ctl
