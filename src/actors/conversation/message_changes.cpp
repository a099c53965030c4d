#include "actors/conversation/message_changes.hpp"

#include <algorithm>

#include "schema/validation.hpp"

namespace chat::changes {
namespace {

api_error fail(errc code, std::string message) { return {code, std::move(message)}; }

api_error allowed() { return {errc::ok, {}}; }

reaction_record* find_reaction(message_record& m, const std::string& emoji) {
  auto it = std::find_if(m.reactions.begin(), m.reactions.end(),
                         [&](const auto& r) { return r.emoji == emoji; });
  return it == m.reactions.end() ? nullptr : &*it;
}

bool has_reacted(const message_record& m, const std::string& emoji, const std::string& user) {
  for (const auto& r : m.reactions)
    if (r.emoji == emoji)
      return std::find(r.users.begin(), r.users.end(), user) != r.users.end();
  return false;
}

} // namespace

std::string_view kind_name(change_kind k) noexcept {
  switch (k) {
    case change_kind::edit: return "edit";
    case change_kind::remove: return "delete";
    case change_kind::react: return "react";
    case change_kind::unreact: return "unreact";
  }
  return "edit";
}

bool valid_emoji(std::string_view emoji) noexcept {
  if (emoji.empty() || emoji.size() > max_emoji_bytes || !validate::utf8(emoji))
    return false;
  // No ASCII blanks or controls: one symbol, not a sentence.
  return std::none_of(emoji.begin(), emoji.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u <= 0x20 || u == 0x7f;
  });
}

api_error check_input(const message_change& c) {
  if (c.target == 0)
    return fail(errc::bad_request, "seq must be a positive integer");
  switch (c.kind) {
    case change_kind::edit:
      if (!validate::message_text(c.text))
        return fail(errc::bad_request, "text must be 1-4096 bytes of valid UTF-8");
      break;
    case change_kind::react:
    case change_kind::unreact:
      if (!valid_emoji(c.text))
        return fail(errc::bad_request,
                    "emoji must be 1-32 bytes of UTF-8 without spaces or control characters");
      break;
    case change_kind::remove:
      break;
  }
  return allowed();
}

api_error check(const message_record& target, const message_change& c, const std::string& user,
                const std::string& owner, bool admin) {
  if (target.is_event())
    return fail(errc::bad_request, "that seq is a change to a message, not a message");
  if (target.deleted)
    return fail(errc::conflict, "that message was deleted");
  switch (c.kind) {
    case change_kind::edit:
      if (target.from != user)
        return fail(errc::forbidden, "only the author can edit a message");
      break;
    case change_kind::remove:
      if (target.from != user && !admin && (owner.empty() || owner != user))
        return fail(errc::forbidden,
                    "only the author or the conversation's owner or admins can delete a message");
      break;
    case change_kind::react: {
      if (has_reacted(target, c.text, user))
        return fail(errc::conflict, "you already reacted with that emoji");
      std::size_t total = 0;
      for (const auto& r : target.reactions)
        total += r.users.size();
      if (total >= max_reactions_per_message)
        return fail(errc::conflict, "that message has the most reactions it may carry ("
                                      + std::to_string(max_reactions_per_message) + ")");
      if (target.reactions.size() >= max_emojis_per_message
          && !std::any_of(target.reactions.begin(), target.reactions.end(),
                          [&](const auto& r) { return r.emoji == c.text; }))
        return fail(errc::conflict, "that message has the most distinct emojis it may carry ("
                                      + std::to_string(max_emojis_per_message) + ")");
      break;
    }
    case change_kind::unreact:
      if (!has_reacted(target, c.text, user))
        return fail(errc::not_found, "you have not reacted with that emoji");
      break;
  }
  return allowed();
}

void apply(message_record& target, const message_change& c, const std::string& user,
           std::int64_t ts) {
  switch (c.kind) {
    case change_kind::edit:
      target.text = c.text;
      target.edited_at = ts;
      break;
    case change_kind::remove:
      target.text.clear();
      target.reactions.clear();
      target.attachments.clear(); // released by the conversation (attachment_refs)
      target.deleted = true;
      break;
    case change_kind::react:
      if (auto* r = find_reaction(target, c.text))
        r->users.push_back(user);
      else
        target.reactions.push_back({c.text, {user}});
      break;
    case change_kind::unreact:
      if (auto* r = find_reaction(target, c.text)) {
        r->users.erase(std::remove(r->users.begin(), r->users.end(), user), r->users.end());
        if (r->users.empty())
          target.reactions.erase(target.reactions.begin() + (r - target.reactions.data()));
      }
      break;
  }
}

message_record event(std::uint64_t seq, std::string msg_id, const message_change& c,
                     const std::string& user, std::int64_t ts) {
  message_record e;
  e.seq = seq;
  e.msg_id = std::move(msg_id);
  e.from = user;
  e.text = c.kind == change_kind::remove ? std::string{} : c.text;
  e.ts = ts;
  e.kind = std::string{kind_name(c.kind)};
  e.target = c.target;
  return e;
}

api_error check_reply_target(const message_record& target) {
  if (target.is_event())
    return fail(errc::bad_request, "reply_to must name a message, not a change to one");
  return allowed();
}

} // namespace chat::changes
