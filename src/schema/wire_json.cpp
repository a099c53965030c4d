#include "schema/wire_json.hpp"

namespace chat {
namespace {

/// PROTOCOL.md: an unset optional field is present as null.
boost::json::value or_null(const std::string& s) {
  if (s.empty())
    return nullptr;
  return boost::json::value(s);
}

} // namespace


boost::json::object to_json(const user_view& u) {
  return {{"id", u.id},
          {"username", u.username},
          {"display_name", u.display_name},
          {"created_at", u.created_at}};
}

boost::json::object to_json(const session_view& s) {
  return {{"id", s.id},
          {"created_at", s.created_at},
          {"last_seen", s.last_seen},
          {"user_agent", or_null(s.user_agent)},
          {"current", s.current}};
}

boost::json::object to_json(const token_grant& t) {
  return {{"access_token", t.access_token},
          {"token_type", "Bearer"},
          {"expires_in", t.expires_in},
          {"refresh_token", t.refresh_token},
          {"session_id", t.session_id},
          {"user", to_json(t.user)}};
}

boost::json::object to_json(const ws_ticket& t) {
  return {{"ticket", t.ticket}, {"expires_in", t.expires_in}};
}


boost::json::object to_json(const member_view& m) {
  return {{"user_id", m.user_id}, {"role", m.role}, {"joined_at", m.joined_at}};
}

boost::json::object to_json(const conversation_view& c) {
  boost::json::object o{{"id", c.id},
                        {"kind", c.direct ? "direct" : "group"},
                        {"title", or_null(c.title)},
                        {"owner", or_null(c.owner)},
                        {"created_at", c.created_at},
                        {"last_seq", c.last_seq},
                        {"retention_seconds", c.retention_seconds}};
  if (c.with_members) {
    boost::json::array members;
    for (const auto& m : c.members)
      members.push_back(to_json(m));
    o["members"] = std::move(members);
  }
  if (c.with_counts) {
    auto or_unknown = [&](auto v) {
      return c.counts.known ? boost::json::value(v) : boost::json::value(nullptr);
    };
    o["unread"] = or_unknown(c.counts.unread);
    o["unread_capped"] = or_unknown(c.counts.unread_capped);
    o["mentions"] = or_unknown(c.counts.mentions);
  }
  return o;
}

boost::json::object to_json(const invitation_view& i) {
  return {{"id", i.id},     {"conv", i.conv}, {"conv_title", i.conv_title},
          {"from", i.from}, {"to", i.to},     {"created_at", i.created_at}};
}

boost::json::object to_json(const message_view& m) {
  boost::json::object o{{"conv", m.conv}, {"seq", m.seq},   {"msg_id", m.msg_id},
                        {"from", or_null(m.from)}, {"text", m.text}, {"ts", m.ts},
                        {"client_msg_id", or_null(m.client_msg_id)}};
  // Fields added after the first version; a change event carries its
  // kind and target instead of a message's state.
  if (!m.kind.empty()) {
    o["kind"] = m.kind;
    o["target"] = m.target;
    return o;
  }
  o["kind"] = "message";
  o["reply_to"] = m.reply_to ? boost::json::value(m.reply_to) : boost::json::value(nullptr);
  o["edited_at"] = m.edited_at ? boost::json::value(m.edited_at) : boost::json::value(nullptr);
  o["deleted"] = m.deleted;
  boost::json::array reactions;
  for (const auto& r : m.reactions) {
    boost::json::array users;
    for (const auto& u : r.users)
      users.push_back(boost::json::value(u));
    reactions.push_back(
      boost::json::object{{"emoji", r.emoji}, {"count", r.count}, {"users", std::move(users)}});
  }
  o["reactions"] = std::move(reactions);
  boost::json::array mentions;
  for (const auto& u : m.mentions)
    mentions.push_back(boost::json::value(u));
  o["mentions"] = std::move(mentions);
  boost::json::array attachments;
  for (const auto& a : m.attachments)
    attachments.push_back(boost::json::object{
      {"id", a.id}, {"name", a.name}, {"content_type", a.content_type}, {"size", a.size}});
  o["attachments"] = std::move(attachments);
  return o;
}

boost::json::object to_json(const send_receipt& r) {
  return {{"conv", r.conv}, {"seq", r.seq}, {"msg_id", r.msg_id}, {"ts", r.ts}};
}

boost::json::object to_json(const message_page& p) {
  boost::json::array messages;
  for (const auto& m : p.messages)
    messages.push_back(to_json(m));
  // expired_before: seqs below it were removed by retention (0: none were).
  return {{"messages", std::move(messages)},
          {"has_more", p.has_more},
          {"expired_before", p.expired_before}};
}

boost::json::object error_body(const api_error& e) {
  return {{"error", {{"code", code_name(e.code)}, {"message", e.message}}}};
}

} // namespace chat
