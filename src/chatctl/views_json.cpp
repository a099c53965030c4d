#include "chatctl/views_json.hpp"

#include <boost/json.hpp>

namespace chat::ctl {
namespace json = boost::json;
namespace {

/// id, addresses and status: how every per-node entry starts (a down node
/// has nothing else).
json::object header(const node_address& n) {
  return {{"id", n.id},
          {"address", n.address},
          {"cluster_address", n.cluster_address},
          {"status", n.up ? "up" : "down"}};
}

json::value or_null(const std::string& s) {
  return s.empty() ? json::value(nullptr) : json::value(s);
}

json::object connection(const connection_info& c) {
  return {{"node", c.node},     {"session", c.session}, {"user", c.user},
          {"remote", c.remote}, {"since", c.since},     {"queued", c.queued}};
}

json::array connections(const std::vector<connection_info>& conns) {
  json::array out;
  for (const auto& c : conns)
    out.push_back(connection(c));
  return out;
}

json::object session(const auth_session_info& s) {
  return {{"id", s.id},
          {"user", s.user},
          {"created_at", s.created_at},
          {"last_seen", s.last_seen},
          {"user_agent", or_null(s.user_agent)}};
}

json::array strings(const std::vector<std::string>& v) {
  json::array out;
  for (const auto& s : v)
    out.emplace_back(s);
  return out;
}

json::value doc(const nodes_report& r) {
  json::array nodes;
  for (const auto& n : r.nodes) {
    auto o = header(n.node);
    if (n.node.up) {
      o["uptime_s"] = n.uptime_s;
      o["connections"] = n.connections;
      json::object actors;
      for (const auto& k : n.actors)
        actors[k.kind] = k.count;
      o["actors"] = std::move(actors);
      if (r.replicated)
        o["leads"] = n.leads;
    }
    nodes.push_back(std::move(o));
  }
  return json::object{{"nodes", std::move(nodes)}};
}

json::value doc(const actors_report& r) {
  json::array nodes;
  for (const auto& n : r.nodes) {
    auto o = header(n.node);
    if (n.node.up) {
      json::array list;
      for (const auto& k : n.actors)
        list.push_back(json::object{{"kind", k.kind}, {"count", k.count}, {"mailbox", k.mailbox}});
      o["actors"] = std::move(list);
    }
    nodes.push_back(std::move(o));
  }
  return json::object{{"nodes", std::move(nodes)}};
}

json::value doc(const stats_report& r) {
  json::array nodes;
  for (const auto& n : r.nodes) {
    auto o = header(n.node);
    if (n.node.up) {
      o["messages_stored_per_s"] = n.messages_stored_per_s;
      o["deliveries_per_s"] = n.deliveries_per_s;
      o["connections"] = n.connections;
      o["storage_sync_ms"] = n.storage_sync_ms;
      o["messages_stored_total"] = n.messages_stored_total;
      o["deliveries_total"] = n.deliveries_total;
    }
    nodes.push_back(std::move(o));
  }
  return json::object{{"nodes", std::move(nodes)}};
}

json::value doc(const conversations_report& r) {
  json::array convs;
  for (const auto& c : r.conversations)
    convs.push_back(json::object{{"id", c.id},
                                 {"node", c.node},
                                 {"title", c.title},
                                 {"direct", c.direct},
                                 {"members", c.members},
                                 {"last_seq", c.last_seq},
                                 {"messages_per_s", c.messages_per_s}});
  return json::object{{"conversations", std::move(convs)}, {"down", strings(r.down)}};
}

json::value doc(const user_sessions& r) {
  json::array sessions;
  for (const auto& s : r.sessions) {
    auto o = session(s.session);
    o["connections"] = connections(s.connections);
    sessions.push_back(std::move(o));
  }
  return json::object{{"user", {{"id", r.user_id}, {"username", r.username}}},
                      {"sessions", std::move(sessions)}};
}

json::value doc(const conversation_inspection& r) {
  const auto& c = r.conversation;
  json::array members;
  for (const auto& m : c.members)
    members.push_back(json::object{{"user", m.user}, {"role", m.role}});
  json::object subscribers;
  for (const auto& s : r.subscribers)
    subscribers[s.node] = s.count;
  return json::object{{"kind", "conversation"},
                      {"id", c.id},
                      {"node", c.node},
                      {"title", c.title},
                      {"direct", c.direct},
                      {"owner", c.owner},
                      {"members", std::move(members)},
                      {"last_seq", c.last_seq},
                      {"messages_per_s", c.messages_per_s},
                      {"mailbox", c.mailbox},
                      {"subscribers", std::move(subscribers)}};
}

json::value doc(const user_inspection& r) {
  json::array invitations;
  for (const auto& i : r.pending_invitations)
    invitations.push_back(json::object{{"id", i.id}, {"conv", i.conv}, {"from", i.from}});
  return json::object{{"kind", "user"},
                      {"id", r.id},
                      {"username", r.username},
                      {"display_name", r.display_name},
                      {"home", r.home},
                      {"online", !r.connections.empty()},
                      {"connections", connections(r.connections)},
                      {"conversations", strings(r.conversations)},
                      {"pending_invitations", std::move(invitations)}};
}

json::value doc(const session_inspection& r) {
  auto o = session(r.session);
  o["kind"] = "session";
  o["connections"] = connections(r.connections);
  return o;
}

json::value doc(const kick_result& r) {
  return json::object{{"kicked", r.session}, {"connections", r.connections}};
}

json::value doc(const auth_session_info& revoked) {
  return json::object{{"revoked", revoked.id}};
}

json::value doc(const moderation_result& m) {
  if (m.action == "deleted")
    return json::object{{"deleted", json::object{{"conv", m.subject}, {"seq", m.seq},
                                                  {"event_seq", m.event_seq}}}};
  return json::object{{m.action, json::object{{"user_id", m.subject}, {"username", m.username},
                                               {"sessions_ended", m.sessions}}}};
}

json::value doc(const history_report& r) {
  json::array messages;
  for (const auto& m : r.messages)
    messages.push_back(json::object{
      {"seq", m.seq}, {"from", m.from}, {"text", m.text}, {"ts", m.ts}, {"msg_id", m.msg_id}});
  return json::object{{"conv", r.conv}, {"messages", std::move(messages)}};
}

json::value doc(const shards_report& r) {
  json::array groups;
  for (const auto& g : r.groups) {
    json::array followers;
    for (const auto& f : g.followers)
      followers.push_back(json::object{{"node", f.node},
                                       {"match_index", f.match_index},
                                       {"recent", f.recent},
                                       {"lag", f.lag}});
    groups.push_back(json::object{{"group", g.group},
                                  {"leader", or_null(g.leader)},
                                  {"reported_by", or_null(g.reported_by)},
                                  {"serving", g.serving},
                                  {"term", g.term},
                                  {"commit_index", g.commit_index},
                                  {"applied_index", g.applied_index},
                                  {"last_index", g.last_index},
                                  {"replicas", strings(g.replicas)},
                                  {"followers", std::move(followers)}});
  }
  return json::object{
    {"replicas", r.replicas}, {"groups", std::move(groups)}, {"down", strings(r.down)}};
}

json::value doc(const transfer_result& r) {
  return json::object{{"group", r.group}, {"from", r.from}, {"to", r.to}, {"term", r.term}};
}

} // namespace

json::value to_json(const admin_reply& reply) {
  return std::visit([](const auto& r) { return doc(r); }, reply);
}

} // namespace chat::ctl
