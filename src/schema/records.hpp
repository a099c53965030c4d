#pragma once
// Records as stored in RocksDB (cereal-encoded by src/storage/codec.hpp).
// Field order is the on-disk format: append new fields at the end and bump
// the class version; never reorder.
#include <cstdint>
#include <string>

#include <cereal/cereal.hpp>
#include <cereal/types/string.hpp>
#include <cereal/types/vector.hpp>
#include <vector>

#include "schema/attachment.hpp"

namespace chat {

/// An account. The password is kept only as an argon2id hash string.
struct user_record {
  std::string id;
  std::string username;
  std::string display_name;
  std::string password_hash;
  std::int64_t created_at = 0; ///< ms since epoch
  // Version 2 (accounts written before load unblocked).
  bool blocked = false; ///< by an operator (chatctl block-user): no login

  template <class Archive>
  void serialize(Archive& ar, std::uint32_t version) {
    ar(id, username, display_name, password_hash, created_at);
    if (version >= 2)
      ar(blocked);
  }
};

/// A login session. Refresh tokens are not stored: the current one is
/// derived from (session id, generation, salt) with a cluster-keyed HMAC,
/// so an already-used token is recognisable (generation below current).
struct session_record {
  std::string id;
  std::string user_id;
  std::int64_t created_at = 0; ///< ms since epoch
  std::int64_t last_seen = 0;  ///< ms since epoch
  std::string user_agent;      ///< empty when the login sent none
  std::string refresh_salt;    ///< random bytes, secret
  std::uint64_t refresh_generation = 0;

  template <class Archive>
  void serialize(Archive& ar, std::uint32_t /*version*/) {
    ar(id, user_id, created_at, last_seen, user_agent, refresh_salt, refresh_generation);
  }
};

/// A conversation's durable header; members are stored one record each.
struct conversation_record {
  std::string id;
  bool direct = false;
  std::string title;  ///< empty for direct conversations
  std::string owner;  ///< empty for direct conversations
  std::int64_t created_at = 0;
  // Version 2 (conversations written before load with nobody blocking).
  /// A direct conversation: which of the two block the other (one entry
  /// each); while any does, neither may post or change messages.
  std::vector<std::string> blocked_by = {};
  // Version 3 (records written before load with these at their defaults).
  std::int64_t retention_seconds = 0; ///< messages older are removed; 0: kept forever
  std::uint64_t expired_before = 0;   ///< seqs below it were removed by retention (0, 1: none)

  template <class Archive>
  void serialize(Archive& ar, std::uint32_t version) {
    ar(id, direct, title, owner, created_at);
    if (version >= 2)
      ar(blocked_by);
    if (version >= 3)
      ar(retention_seconds, expired_before);
  }
};

struct member_record {
  std::string user_id;
  bool owner = false;
  std::int64_t joined_at = 0;
  // Version 2 (members written before load as plain members).
  bool admin = false; ///< a group's admin (member_roles.hpp); never the owner

  template <class Archive>
  void serialize(Archive& ar, std::uint32_t version) {
    ar(user_id, owner, joined_at);
    if (version >= 2)
      ar(admin);
  }
};

/// The members who reacted to a message with one emoji, in order of reacting.
struct reaction_record {
  std::string emoji;
  std::vector<std::string> users;

  template <class Archive>
  void serialize(Archive& ar) {
    ar(emoji, users);
  }
};

/// One stored message or change event; keyed by conversation id +
/// big-endian seq. A change (`kind` edit/delete/react/unreact) has its own
/// seq and names the message it changed in `target`; the target itself is
/// rewritten in the same batch, so it always reads in its current state.
struct message_record {
  std::uint64_t seq = 0;
  std::string msg_id;
  std::string from;
  std::string text; ///< an edit: the new text; react/unreact: the emoji
  std::int64_t ts = 0;
  std::string client_msg_id; ///< empty when the client sent none
  // Version 2 (records written before load with these at their defaults).
  std::string kind = {};        ///< empty: an ordinary message
  std::uint64_t target = 0;     ///< a change: the seq it changed
  std::uint64_t reply_to = 0;   ///< a message: the seq it answers, 0 none
  std::int64_t edited_at = 0;   ///< a message: time of the last edit, 0 never
  bool deleted = false;         ///< a message: deleted (text and reactions gone)
  std::vector<reaction_record> reactions = {}; ///< a message: emojis in order of first use
  // Version 3.
  std::vector<std::string> mentions = {}; ///< a message: member ids its text mentions (@username)
  // Version 4.
  std::vector<attachment_ref> attachments = {}; ///< a message: its files (gone once deleted)

  bool is_event() const { return !kind.empty(); }

  template <class Archive>
  void serialize(Archive& ar, std::uint32_t version) {
    ar(seq, msg_id, from, text, ts, client_msg_id);
    if (version >= 2)
      ar(kind, target, reply_to, edited_at, deleted, reactions);
    if (version >= 3)
      ar(mentions);
    if (version >= 4)
      ar(attachments);
  }
};

struct invitation_record {
  std::string id;
  std::string conv;
  std::string conv_title;
  std::string from;
  std::string to;
  std::int64_t created_at = 0;

  template <class Archive>
  void serialize(Archive& ar, std::uint32_t /*version*/) {
    ar(id, conv, conv_title, from, to, created_at);
  }
};

// CAF inspection, for records that travel between actors.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, conversation_record& x) {
  return f(x.id, x.direct, x.title, x.owner, x.created_at, x.blocked_by, x.retention_seconds,
           x.expired_before);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, member_record& x) {
  return f(x.user_id, x.owner, x.joined_at, x.admin);
}

} // namespace chat

CEREAL_CLASS_VERSION(chat::user_record, 2)
CEREAL_CLASS_VERSION(chat::session_record, 1)
CEREAL_CLASS_VERSION(chat::conversation_record, 3)
CEREAL_CLASS_VERSION(chat::member_record, 2)
CEREAL_CLASS_VERSION(chat::message_record, 4)
CEREAL_CLASS_VERSION(chat::invitation_record, 1)
