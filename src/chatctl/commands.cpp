#include "chatctl/commands.hpp"

#include <algorithm>
#include <charconv>

namespace chat::ctl {
namespace {

constexpr int max_history = 500; // the admin actor answers at most 500

std::string join(const std::vector<std::string>& v, std::string_view sep) {
  std::string out;
  for (const auto& s : v) {
    if (!out.empty())
      out += sep;
    out += s;
  }
  return out;
}

parsed_line usage(std::string_view name, std::string message) {
  parsed_line p;
  p.what = parsed_line::usage_error;
  p.text = std::move(message);
  if (auto* spec = find_command(name))
    p.text += "\nusage: " + std::string(spec->usage);
  return p;
}

parsed_line make_request(std::string command, std::vector<std::string> args) {
  parsed_line p;
  p.what = parsed_line::request;
  p.command = std::move(command);
  p.args = std::move(args);
  return p;
}

/// Splits flags (with or without "=value") from positional words. Flags
/// listed in `with_value` take the next word as their value.
struct flag_split {
  std::vector<std::pair<std::string, std::string>> flags;
  std::vector<std::string> positional;
  std::string error;
};

flag_split split_flags(const std::vector<std::string>& words,
                       const std::vector<std::string_view>& with_value,
                       const std::vector<std::string_view>& bare) {
  flag_split out;
  for (std::size_t i = 1; i < words.size(); ++i) {
    const auto& w = words[i];
    if (w.size() < 2 || w[0] != '-') {
      out.positional.push_back(w);
      continue;
    }
    std::string name = w, value;
    bool has_value = false;
    if (auto eq = w.find('='); eq != std::string::npos) {
      name = w.substr(0, eq);
      value = w.substr(eq + 1);
      has_value = true;
    }
    bool takes = std::find(with_value.begin(), with_value.end(), name) != with_value.end();
    bool is_bare = std::find(bare.begin(), bare.end(), name) != bare.end();
    if (!takes && !is_bare) {
      out.error = "unknown option " + name;
      return out;
    }
    if (is_bare && has_value) {
      out.error = "option " + name + " takes no value";
      return out;
    }
    if (takes && !has_value) {
      if (i + 1 >= words.size()) {
        out.error = "option " + name + " needs a value";
        return out;
      }
      value = words[++i];
    }
    for (const auto& f : out.flags)
      if (f.first == name) {
        out.error = "option " + name + " given twice";
        return out;
      }
    out.flags.emplace_back(name, value);
  }
  return out;
}

const std::string* flag(const flag_split& s, std::string_view name) {
  for (const auto& f : s.flags)
    if (f.first == name)
      return &f.second;
  return nullptr;
}

} // namespace

const std::vector<command_spec>& command_table() {
  static const std::vector<command_spec> table{
    {"nodes", "nodes",
     "every node: address, up/down, uptime, connections, actors by kind, groups led",
     "Asks every node of the cluster (through the one chatctl is connected to).\n"
     "A node that does not answer is listed as down. LEADS: how many replication\n"
     "groups the node leads now (- when replication is off)."},
    {"actors", "actors [--node N]", "live actors by kind per node, with mailbox sizes",
     "--node N: only node N (an id of cluster.conf)."},
    {"sessions", "sessions USER", "a user's sessions and live connections",
     "USER: a user id (u_...) or a username. Lists each auth session (created,\n"
     "last seen, user agent) and its WebSocket connections (node, remote address,\n"
     "connected since, frames queued)."},
    {"conversations", "conversations [--hot]", "active conversation actors",
     "Node, title, members, last seq and messages/s of every live conversation\n"
     "actor. --hot: the 20 busiest, by messages/s."},
    {"inspect", "inspect conv|user|session ID", "the state of one actor",
     "conv ID:    title, owner, members, last seq, subscribers per node, messages/s\n"
     "user ID:    home node, online, connections, conversations, pending invitations\n"
     "session ID: user, created, last seen, user agent, connections"},
    {"kick", "kick SESSION", "close a session's WebSocket connections (code 4001)",
     "The session stays valid: its client may reconnect with a new ticket."},
    {"revoke", "revoke SESSION", "terminate a session everywhere",
     "Its connections close and its tokens stop working (401) on every node."},
    {"delete-message", "delete-message CONV SEQ", "delete a message as a moderator",
     "Deletes message SEQ of conversation CONV (its text and reactions go) with the\n"
     "same effect as a deletion by the group's owner: every member sees a change\n"
     "whose from is null. A seq that names a change, or a deleted message, is refused."},
    {"block-user", "block-user USER", "block an account cluster-wide",
     "USER: a user id or a username. The account can no longer log in or refresh;\n"
     "every session it has ends at once on every node (tokens get 401, sockets\n"
     "close with 4001). unblock-user undoes it (sessions ended stay ended)."},
    {"unblock-user", "unblock-user USER", "let a blocked account log in again", ""},
    {"stats", "stats", "per node: messages stored/s, deliveries/s, connections, storage sync",
     "Rates are measured by each node over its last few seconds; totals since start."},
    {"history", "history CONV [-n N]", "the last messages of a conversation",
     "The last N messages (default 20, at most 500), oldest first."},
    {"shards", "shards", "each replication group: leader, term, commit and applied index, lag",
     "One row per group (group g holds the shards s with s mod N = g): its leader,\n"
     "term, commit and applied index (the leader's), its replicas (preferred leader\n"
     "first) and each follower's lag: the entries of the leader's log it lacks, or\n"
     "'down' when the leader has not heard from it lately. Every node is asked; a\n"
     "group whose leader does not answer is shown as another replica sees it."},
    {"transfer", "transfer GROUP NODE", "move a group's leadership to NODE (one of its replicas)",
     "Asks the group's leader to hand over, then waits (at most 5 s) until NODE\n"
     "announces itself as the leader, and prints it. A group led elsewhere than its\n"
     "preferred leader (the first of its replicas) returns there by itself once that\n"
     "node is up and caught up."},
    {"help", "help [COMMAND]", "list the commands, or explain one", ""},
    {"quit", "quit", "leave the shell (also: exit, Ctrl-D)", ""},
  };
  return table;
}

const command_spec* find_command(std::string_view name) {
  if (name == "exit")
    name = "quit";
  for (const auto& c : command_table())
    if (c.name == name)
      return &c;
  return nullptr;
}

const std::vector<std::string>& inspect_kinds() {
  static const std::vector<std::string> kinds{"conv", "user", "session"};
  return kinds;
}

std::string command_summary() {
  std::size_t width = 0;
  for (const auto& c : command_table())
    width = std::max(width, c.usage.size());
  std::string out;
  for (const auto& c : command_table()) {
    out += "  ";
    out += c.usage;
    out.append(width + 2 - c.usage.size(), ' ');
    out += c.summary;
    out += '\n';
  }
  return out;
}

std::string command_help(std::string_view name) {
  auto* c = find_command(name);
  if (!c)
    return {};
  std::string out = "usage: " + std::string(c->usage) + "\n" + std::string(c->summary) + "\n";
  if (!c->details.empty())
    out += std::string(c->details) + "\n";
  return out;
}

bool split_words(std::string_view line, std::vector<std::string>* words, std::string* error) {
  words->clear();
  std::string cur;
  bool in_word = false;
  char quote = 0;
  for (std::size_t i = 0; i < line.size(); ++i) {
    char ch = line[i];
    if (quote) {
      if (ch == quote)
        quote = 0;
      else if (ch == '\\' && quote == '"' && i + 1 < line.size())
        cur += line[++i];
      else
        cur += ch;
    } else if (ch == '\'' || ch == '"') {
      quote = ch;
      in_word = true;
    } else if (ch == '\\' && i + 1 < line.size()) {
      cur += line[++i];
      in_word = true;
    } else if (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r') {
      if (in_word)
        words->push_back(std::move(cur));
      cur.clear();
      in_word = false;
    } else {
      cur += ch;
      in_word = true;
    }
  }
  if (quote) {
    *error = std::string("unterminated ") + (quote == '"' ? "double" : "single") + " quote";
    return false;
  }
  if (in_word)
    words->push_back(std::move(cur));
  return true;
}

parsed_line parse_line(std::string_view line, const std::vector<std::string>& node_ids) {
  std::vector<std::string> w;
  std::string error;
  if (!split_words(line, &w, &error)) {
    parsed_line p;
    p.what = parsed_line::usage_error;
    p.text = error;
    return p;
  }
  if (w.empty())
    return {};
  const std::string& name = w[0];
  auto* spec = find_command(name);
  if (!spec) {
    parsed_line p;
    p.what = parsed_line::usage_error;
    p.text = "unknown command '" + name + "' (try: help)";
    return p;
  }
  auto n_args = w.size() - 1;
  auto no_args = [&]() -> bool { return n_args == 0; };

  if (spec->name == "help") {
    if (n_args > 1)
      return usage("help", "help takes at most one command name");
    parsed_line p;
    p.what = parsed_line::help;
    if (n_args == 0) {
      p.text = "Commands:\n" + command_summary();
    } else {
      p.text = command_help(w[1]);
      if (p.text.empty())
        return usage("help", "unknown command '" + w[1] + "'");
    }
    return p;
  }
  if (spec->name == "quit") {
    if (!no_args())
      return usage("quit", name + " takes no arguments");
    parsed_line p;
    p.what = parsed_line::quit;
    return p;
  }
  if (spec->name == "nodes" || spec->name == "stats" || spec->name == "shards") {
    if (!no_args())
      return usage(name, name + " takes no arguments");
    return make_request(name, {});
  }
  if (spec->name == "actors") {
    auto s = split_flags(w, {"--node"}, {});
    if (!s.error.empty())
      return usage(name, s.error);
    if (!s.positional.empty())
      return usage(name, "unexpected argument '" + s.positional[0] + "'");
    std::vector<std::string> args;
    if (auto* node = flag(s, "--node")) {
      if (std::find(node_ids.begin(), node_ids.end(), *node) == node_ids.end())
        return usage(name, "no node '" + *node + "' in the config (nodes: " +
                             join(node_ids, ", ") + ")");
      args.push_back(*node);
    }
    return make_request(name, std::move(args));
  }
  if (spec->name == "conversations") {
    auto s = split_flags(w, {}, {"--hot"});
    if (!s.error.empty())
      return usage(name, s.error);
    if (!s.positional.empty())
      return usage(name, "unexpected argument '" + s.positional[0] + "'");
    std::vector<std::string> args;
    if (flag(s, "--hot"))
      args.push_back("hot");
    return make_request(name, std::move(args));
  }
  if (spec->name == "sessions" || spec->name == "kick" || spec->name == "revoke") {
    if (n_args != 1 || w[1].empty() || w[1][0] == '-')
      return usage(name, name + " takes exactly one " +
                           (spec->name == "sessions" ? "user id or username" : "session id"));
    return make_request(name, {w[1]});
  }
  if (spec->name == "block-user" || spec->name == "unblock-user") {
    if (n_args != 1 || w[1].empty() || w[1][0] == '-')
      return usage(name, name + " takes exactly one user id or username");
    return make_request(name, {w[1]});
  }
  if (spec->name == "delete-message") {
    std::uint64_t seq = 0;
    const auto& q = n_args == 2 ? w[2] : std::string{};
    auto [end, ec] = std::from_chars(q.data(), q.data() + q.size(), seq);
    if (n_args != 2 || w[1].empty() || w[1][0] == '-' || ec != std::errc{} ||
        end != q.data() + q.size() || seq == 0)
      return usage(name, "delete-message takes a conversation id and a seq (a whole number from 1)");
    return make_request(name, {w[1], std::to_string(seq)});
  }
  if (spec->name == "inspect") {
    if (n_args != 2)
      return usage(name, "inspect takes a kind and an id");
    std::string kind = w[1];
    if (kind == "conversation")
      kind = "conv";
    const auto& kinds = inspect_kinds();
    if (std::find(kinds.begin(), kinds.end(), kind) == kinds.end())
      return usage(name, "unknown kind '" + w[1] + "' (conv, user or session)");
    return make_request(name, {kind, w[2]});
  }
  if (spec->name == "history") {
    auto s = split_flags(w, {"-n"}, {});
    if (!s.error.empty())
      return usage(name, s.error);
    if (s.positional.size() != 1)
      return usage(name, "history takes exactly one conversation id");
    std::vector<std::string> args{s.positional[0]};
    if (auto* n = flag(s, "-n")) {
      int value = 0;
      auto [end, ec] = std::from_chars(n->data(), n->data() + n->size(), value);
      if (ec != std::errc{} || end != n->data() + n->size() || value < 1 ||
          value > max_history)
        return usage(name, "-n needs a whole number from 1 to " + std::to_string(max_history));
      args.push_back(std::to_string(value));
    }
    return make_request(name, std::move(args));
  }
  if (spec->name == "transfer") {
    if (n_args != 2 || w[2].empty() || w[2][0] == '-')
      return usage(name, "transfer takes a group number and a node id");
    std::uint32_t group = 0;
    const auto& g = w[1];
    auto [end, ec] = std::from_chars(g.data(), g.data() + g.size(), group);
    if (ec != std::errc{} || end != g.data() + g.size())
      return usage(name, "GROUP must be a group number (see: shards), not '" + g + "'");
    return make_request(name, {std::to_string(group), w[2]});
  }
  return usage(name, "unknown command '" + name + "'");
}

} // namespace chat::ctl
